"""The reviews API's Lambda runtime.

Shipped as the function's code asset (the ``function_code`` directory is the asset root), so it must not
import ``aws_cdk`` or anything else that is not in the Lambda Python runtime.
"""

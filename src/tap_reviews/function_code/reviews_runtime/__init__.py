"""The reviews API's Lambda runtime, shipped as the function's code asset (``function_code`` is the asset root).

It must not import ``aws_cdk`` or anything that is not in Lambda's Python runtime: the standard library
and boto3 only. That is a decision, not an accident: cold start is part of what the API promises. Of
boto3, mostly its botocore: ``clients`` makes botocore's clients without importing the boto3 package
(~35 ms of a cold start) and takes DynamoDB's item reads as the JSON they are instead of walking them
through botocore's model (~0.5 ms less per product page); ``dynamo`` imports boto3's type converters
only for types the request paths do not build themselves.
Measured on the 2-core development machine (2026-11-29, 40 interleaved fresh processes each): importing
boto3 and creating a DynamoDB client takes a median of 230 ms, and adding Powertools for AWS Lambda 3.37's
``Logger``, ``Metrics`` and ``APIGatewayRestResolver`` adds a median of 55-60 ms more (paired; quartiles
40-81 ms), about 25 %, against the benchmark's target of at most 1.10x the boto3 floor for the whole cold
start. So the runtime has its own small pieces instead: routing (``handler``), a JSON Schema subset
(``validation``), structured logs with embedded metrics (``telemetry``). Measure before adding an import.

Modules: ``handler`` (entry point, routing), ``reviews`` (use cases), ``errors`` (the error catalogue),
``protocol`` (proxy events in, JSON answers out), ``contract`` and ``schema`` (what the construct shares),
``store`` (DynamoDB), ``auth``, ``paging``, ``ids``, ``validation``, ``telemetry``, ``deadline`` (the
time budget) and ``clients`` (botocore).
"""

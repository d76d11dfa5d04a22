"""The cold-start baseline of `./dev bench`: `store-game` written the usual Python way.

A Lambda custom runtime in one file (the loop AWS's Python runtime runs): create a boto3
DynamoDB client at init, then for each event read one game from CATALOG_TABLE and answer it as
API Gateway expects. The bench starts it with the same Runtime API, environment and sample event
as the Rust function, so the two cold starts are measured by one harness.
"""
import json
import os
import urllib.request

import boto3

DYNAMODB = boto3.client("dynamodb")
TABLE = os.environ["CATALOG_TABLE"]
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"].removeprefix("http://") + "/2018-06-01/runtime"


def handle(event):
    game_id = (event.get("pathParameters") or {}).get("id") or event["rawPath"].rsplit("/", 1)[-1]
    item = DYNAMODB.get_item(TableName=TABLE, Key={"gameId": {"N": game_id}}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"code": "unknown_game"})}
    game = {k: next(iter(v.values())) for k, v in item.items()}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(game)}


while True:
    with urllib.request.urlopen(API + "/invocation/next") as next_event:
        request_id = next_event.headers["lambda-runtime-aws-request-id"]
        answer = handle(json.loads(next_event.read()))
    respond = urllib.request.Request(
        f"{API}/invocation/{request_id}/response", data=json.dumps(answer).encode(), method="POST"
    )
    urllib.request.urlopen(respond).close()

#!/usr/bin/env python3
"""A one-file Lambda Invoke API for apigw-local's --lambda-endpoint, with two example functions.

apigw-local invokes a function as
    POST {endpoint}/2015-03-31/functions/{name}/invocations[?Qualifier=q]
    Content-Type: application/json, X-Amz-Invocation-Type: RequestResponse
    body: the event (for AWS_PROXY, API Gateway's proxy event, payload format 1.0)
and reads a 2xx answer's body as the function's result, or a function error when the answer
carries an X-Amz-Function-Error header (API Gateway then answers 502). Real Lambda does the
same; so do `cargo lambda watch`, `sam local start-lambda` and the Runtime Interface Emulator.

    python3 examples/lambda_invoke.py [HOST] [PORT]        (default 127.0.0.1 9000)
"""
import json
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


def hello(event):
    """A Lambda proxy (AWS_PROXY) handler: greets ?name= and says what it was called with."""
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    body = {"message": f"hello, {name}", "method": event.get("httpMethod"),
            "path": event.get("path"), "stage": event["requestContext"].get("stage")}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def fail(event):
    """Always raises: the function error API Gateway turns into a 502."""
    raise RuntimeError("fail always fails")


FUNCTIONS = {"hello": hello, "fail": fail}
INVOKE = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations(\?.*)?$")


class Invoke(BaseHTTPRequestHandler):
    def do_POST(self):
        m = INVOKE.match(self.path)
        # A bare name, or an ARN under --lambda-pass-arn (`...:function:NAME`).
        name = unquote(m.group(1)).split(":function:")[-1].split(":")[0] if m else ""
        event = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if name not in FUNCTIONS:
            return self.answer(404, {"Type": "User", "message": f"Function not found: {name}"},
                               {"X-Amzn-ErrorType": "ResourceNotFoundException"})
        try:
            return self.answer(200, FUNCTIONS[name](event))
        except Exception as e:  # the function's error, reported as Lambda reports it
            return self.answer(200, {"errorMessage": str(e), "errorType": type(e).__name__,
                                     "stackTrace": traceback.format_exc().splitlines()},
                               {"X-Amz-Function-Error": "Unhandled"})

    def answer(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
    server = ThreadingHTTPServer((host, port), Invoke)
    print(f"Lambda Invoke API on http://{host}:{server.server_address[1]}", flush=True)
    server.serve_forever()

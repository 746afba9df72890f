# apigw-local's Python runtime: loads the function's handler ("module.function", from
# LAMBDA_TASK_ROOT) and serves invocations through the Lambda Runtime API, reporting errors
# in Lambda's shape ({"errorMessage", "errorType", "stackTrace"}).
import importlib
import json
import os
import sys
import time
import traceback
import urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
# The Runtime API is on loopback: never through a proxy the function's environment names
# (HTTP_PROXY for its own calls), as AWS's runtime client never does.
_open = urllib.request.build_opener(urllib.request.ProxyHandler({})).open


def post(path, body, headers=None):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    req = urllib.request.Request(API + path, data=data, method="POST")
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    _open(req).read()


def end_output(request_id):
    # After the invocation's output, before its answer: once the service has read this mark
    # on both pipes, the answer's LogType Tail holds every line (crates/lambda/src/logs.rs).
    # Written to the descriptors themselves, whatever the handler did with sys.stdout, and
    # never a reason not to answer.
    mark = ("\x01apigw-end %s\n" % request_id).encode()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    for fd in (1, 2):
        try:
            os.write(fd, mark)
        except OSError:
            pass


def error_of(e, error_type=None):
    return {
        "errorMessage": str(e),
        "errorType": error_type or type(e).__name__,
        "requestId": "",
        # The function's frames only, as on AWS (not this bootstrap's).
        "stackTrace": traceback.format_list(
            [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
        ),
    }


class Context:
    def __init__(self, request_id, deadline_ms, arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise _Init(
            Exception("Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec),
            "Runtime.MalformedHandlerName",
        )
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as e:
        raise _Init(
            Exception("Unable to import module '%s': %s" % (module_name, e)),
            "Runtime.ImportModuleError",
        )
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _Init(
            Exception("Handler '%s' missing on module '%s'" % (function_name, module_name)),
            "Runtime.HandlerNotFound",
        )
    return handler


class _Init(Exception):
    def __init__(self, cause, error_type):
        super().__init__(str(cause))
        self.cause = cause
        self.error_type = error_type


def main():
    try:
        handler = load_handler()
    except _Init as e:
        print("[ERROR] %s: %s" % (e.error_type, e), file=sys.stderr, flush=True)
        err = error_of(e.cause, e.error_type)
        err["stackTrace"] = []
        post("/init/error", err,
             {"Lambda-Runtime-Function-Error-Type": e.error_type})
        sys.exit(1)
    while True:
        with _open(API + "/invocation/next") as r:
            request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
            deadline = int(r.headers.get("Lambda-Runtime-Deadline-Ms", "0"))
            arn = r.headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
            event = json.loads(r.read() or b"null")
        try:
            result = handler(event, Context(request_id, deadline, arn))
            body = json.dumps(result).encode()
        except Exception as e:
            err = error_of(e)
            err["requestId"] = request_id
            print("[ERROR] %s: %s" % (err["errorType"], err["errorMessage"]), file=sys.stderr, flush=True)
            end_output(request_id)
            post("/invocation/%s/error" % request_id, err,
                 {"Lambda-Runtime-Function-Error-Type": err["errorType"]})
            continue
        end_output(request_id)
        post("/invocation/%s/response" % request_id, body)


main()

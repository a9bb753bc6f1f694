"""gRPC conformance from Python with the stock grpcio clients, as a tenant's
backend or an operator's tooling would see the server: no stubs generated
from proto/, everything discovered through server reflection.

    python scripts/grpc/python_check.py HOST:PORT TOKEN

Checks: grpc.health.v1 Check/Watch (overall, per service, NOT_FOUND for an
unknown one); reflection (v1alpha, what grpcio-reflection's client speaks)
lists the services and its descriptors build a working request for
ExecutiveService.CommissionExecutive; a bad request gets INVALID_ARGUMENT with
a google.rpc.BadRequest detail (grpcio-status); unknown methods get
UNIMPLEMENTED. Then the same through grpcurl (list, describe, invoke, and
the BadRequest detail decoded through reflection), when it is installed.
Prints one line per check and exits non-zero on any failure.
Needs: grpcio grpcio-health-checking grpcio-reflection grpcio-status (see
scripts/grpc/requirements.txt).
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import grpc
from google.protobuf import descriptor_pool, message_factory
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_status import rpc_status

failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}{' - ' + detail if detail else ''}")
    if not ok:
        failures += 1


def main(address, token):
    channel = grpc.insecure_channel(address)
    auth = (("authorization", f"Bearer {token}"),)

    health = health_pb2_grpc.HealthStub(channel)
    serving = health_pb2.HealthCheckResponse.SERVING
    check("health Check ''", health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10).status == serving)
    check(
        "health Check sovren.v1.ExecutiveService",
        health.Check(health_pb2.HealthCheckRequest(service="sovren.v1.ExecutiveService"), timeout=10).status == serving,
    )
    try:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        check("health Check unknown -> NOT_FOUND", False, "answered")
    except grpc.RpcError as e:
        check("health Check unknown -> NOT_FOUND", e.code() == grpc.StatusCode.NOT_FOUND, str(e.code()))
    watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
    check("health Watch '' first status", next(watch).status == serving)
    watch.cancel()

    db = ProtoReflectionDescriptorDatabase(channel)
    services = set(db.get_services())
    expected = {f"sovren.v1.{s}" for s in ("ExecutiveService", "SimulationService", "OperationService", "CommunicationService", "HealthService")}
    check("reflection lists the sovren services", expected <= services, ", ".join(sorted(services)))
    check("reflection lists grpc.health.v1.Health", "grpc.health.v1.Health" in services)

    pool = descriptor_pool.DescriptorPool(db)
    method = pool.FindServiceByName("sovren.v1.ExecutiveService").FindMethodByName("CommissionExecutive")
    Request = message_factory.GetMessageClass(method.input_type)
    Response = message_factory.GetMessageClass(method.output_type)
    call = channel.unary_unary(
        "/sovren.v1.ExecutiveService/CommissionExecutive",
        request_serializer=Request.SerializeToString,
        response_deserializer=Response.FromString,
    )
    res = call(Request(role="Chief Strategy Officer", name=f"Py-{uuid.uuid4()}", skills=["forecasting"]), metadata=auth, timeout=10)
    check("a request built from reflected descriptors is served", res.status == "active", res.status)

    try:
        call(Request(role="", name="Py"), metadata=auth, timeout=10)
        check("bad input -> INVALID_ARGUMENT", False, "answered")
    except grpc.RpcError as e:
        check("bad input -> INVALID_ARGUMENT", e.code() == grpc.StatusCode.INVALID_ARGUMENT, str(e.code()))
        status = rpc_status.from_call(e)
        fields = []
        for detail in status.details if status else []:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                br = error_details_pb2.BadRequest()
                detail.Unpack(br)
                fields += [v.field for v in br.field_violations]
        check("bad input carries google.rpc.BadRequest naming the field", "role" in fields, repr(fields))

    unknown = channel.unary_unary("/sovren.v1.ExecutiveService/Nope", request_serializer=lambda x: x, response_deserializer=lambda x: x)
    try:
        unknown(b"", timeout=10)
        check("unknown method -> UNIMPLEMENTED", False, "answered")
    except grpc.RpcError as e:
        check("unknown method -> UNIMPLEMENTED", e.code() == grpc.StatusCode.UNIMPLEMENTED, str(e.code()))
    channel.close()
    grpcurl_checks(address, token)


def grpcurl_checks(address, token):
    grpcurl = shutil.which("grpcurl", path=os.path.join(sys.prefix, "bin")) or shutil.which("grpcurl")
    if not grpcurl:
        print("skip grpcurl checks: grpcurl not installed")
        return

    def run(*args):
        p = subprocess.run([grpcurl, "-plaintext", *args], capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout + p.stderr

    rc, out = run(address, "list")
    check("grpcurl list", rc == 0 and "sovren.v1.ExecutiveService" in out and "grpc.health.v1.Health" in out, out.strip().replace("\n", ", "))
    rc, out = run(address, "describe", "sovren.v1.CommissionExecutiveRequest")
    check("grpcurl describe a request message", rc == 0 and "string role = 1" in out)
    auth = ["-H", f"authorization: Bearer {token}"]
    body = json.dumps({"role": "Chief Strategy Officer", "name": f"Curl-{uuid.uuid4()}"})
    rc, out = run(*auth, "-d", body, address, "sovren.v1.ExecutiveService/CommissionExecutive")
    check("grpcurl invokes CommissionExecutive", rc == 0 and '"status": "active"' in out)
    rc, out = run("-format-error", *auth, "-d", '{"role": "", "name": "X"}', address, "sovren.v1.ExecutiveService/CommissionExecutive")
    check("grpcurl decodes the google.rpc.BadRequest detail", rc != 0 and '"fieldViolations"' in out and '"field":"role"' in out, out.strip())
    rc, out = run("-d", '{"service": ""}', address, "grpc.health.v1.Health/Check")
    check("grpcurl health Check", rc == 0 and "SERVING" in out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
    print(f"{'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    sys.exit(1 if failures else 0)

"""Create a task with the vantage6 client (vantage6-client 4.15.2) and wait for it.

    <venv with vantage6-client>/bin/python client_task.py REQUEST.json

REQUEST: {"host", "port", "api_path", "username", "password", "collaboration",
"organizations", "image", "method", "kwargs", "database", "private_key" (or null),
"timeout"}. Prints one JSON object on stdout: {"task_id", "status", "seconds", "runs":
[{"organization", "status", "log"}], "results": {organization id: result}}, where each
result is what the client returns (decrypted when the collaboration is encrypted).
"""
import json
import logging
import sys
import time

from vantage6.client import UserClient

FINISHED = {"completed", "failed", "crashed", "killed by user", "start failed",
            "non-existing Docker image", "not allowed"}


def main() -> None:
    req = json.load(open(sys.argv[1]))
    logging.disable(logging.INFO)  # the client's banner and progress lines
    client = UserClient(req["host"], req["port"], req["api_path"], log_level="warn")
    client.authenticate(req["username"], req["password"])
    client.setup_encryption(req.get("private_key"))
    start = time.monotonic()
    task = client.task.create(
        collaboration=req["collaboration"], organizations=req["organizations"],
        name="v6ne2e-count-and-sum", image=req["image"], description="libv6node e2e",
        input_={"method": req["method"], "kwargs": req["kwargs"]},
        databases=[{"label": req["database"]}])
    if "id" not in task:
        raise SystemExit(f"the server refused the task: {task}")
    deadline = start + req["timeout"]
    status = None
    while time.monotonic() < deadline:
        status = client.task.get(task["id"])["status"]
        if status in FINISHED:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - start
    runs = client.run.from_task(task["id"])
    runs = runs["data"] if isinstance(runs, dict) else runs
    run_org = {r["id"]: r["organization"]["id"] for r in runs}
    results = {}
    if status == "completed":
        answer = client.result.from_task(task["id"])
        answer = answer["data"] if isinstance(answer, dict) else answer
        for item in answer:
            result = item["result"]
            # the algorithm's return value, as JSON text
            results[str(run_org[item["id"]])] = json.loads(result) if isinstance(result, str) else result
    print(json.dumps({
        "task_id": task["id"], "status": status, "seconds": round(seconds, 2),
        "runs": [{"organization": r["organization"]["id"], "status": r["status"],
                  "log": (r.get("log") or "")[-2000:]} for r in runs],
        "results": results}))


if __name__ == "__main__":
    main()

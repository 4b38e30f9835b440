"""Workers endpoints: scripts, versions, deployments, settings, and the extras wrangler calls.

The extras (services, subdomain, secrets, schedules) are outside cloudflare-workflows-openapi.json:
`wrangler deploy` calls them, so they answer in the shape wrangler reads.
"""

from __future__ import annotations

import hashlib
import uuid

from werkzeug.wrappers import Response

from cloudflare_local import errors, views
from cloudflare_local.api import Call, Reply, Route, checked
from cloudflare_local.models import Upload
from cloudflare_local.multipart import parse_settings, parse_upload
from cloudflare_local.validation import check_script_name

SCRIPT = "/accounts/<account_id>/workers/scripts/<script_name>"


def _source(call: Call) -> str:
    agent = call.request.headers.get("User-Agent", "")
    return "wrangler" if "wrangler" in agent.lower() else "api"


def _upload(call: Call) -> Upload:
    return parse_upload(call.body(), call.request.headers.get("Content-Type", ""))


def list_scripts(call: Call) -> Reply:
    items = []
    for script in call.account.list_scripts():
        version = call.account.get_version(script.name, script.deployed_version_id)
        items.append({**views.script(script, version), "routes": []})
    return Reply(
        items, result_info={"page": 1, "per_page": len(items), "count": len(items), "total_count": len(items)}
    )


def put_script(call: Call, script_name: str) -> Reply:
    version = call.account.upload_script(script_name, _upload(call), deploy=True, source=_source(call))
    script = call.account.get_script(script_name)
    deployments = call.account.list_deployments(script_name)
    return Reply(views.script_upload(script, version, deployments[-1].id if deployments else None))


def _boundary(parts: list[tuple[str, str, bytes]]) -> str:
    digest = hashlib.sha256(b"".join(p[2] for p in parts)).hexdigest()[:24]
    return f"cloudflare-local-{digest}"


def download_script(call: Call, script_name: str) -> Reply:
    """GET the script: raw for a service worker, else multipart with one part per module (no metadata)."""
    version = call.account.deployed_version(script_name)
    contents = [
        (m["name"], m["content_type"], call.account.module_content(script_name, version.id, m["name"]))
        for m in version.modules
    ]
    if version.main_module is None:
        return Reply(raw=Response(contents[0][2], content_type="application/javascript"))
    boundary = _boundary(contents)
    chunks: list[bytes] = []
    for name, content_type, data in contents:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return Reply(raw=Response(b"".join(chunks), content_type=f"multipart/form-data; boundary={boundary}"))


def script_content_v2(call: Call, script_name: str) -> Reply:
    """GET content/v2: the entry module's source."""
    version = call.account.deployed_version(script_name)
    entry = version.main_module or version.body_part or ""
    content_type = next(m["content_type"] for m in version.modules if m["name"] == entry)
    data = call.account.module_content(script_name, version.id, entry)
    return Reply(raw=Response(data, content_type=content_type))


def put_content(call: Call, script_name: str) -> Reply:
    """PUT content: new code, same bindings and settings (deployed as a new version)."""
    current = call.account.deployed_version(script_name)
    upload = _upload(call)
    meta = dict(current.metadata)
    header_main = call.request.headers.get("CF-WORKER-MAIN-MODULE-PART")
    header_body = call.request.headers.get("CF-WORKER-BODY-PART")
    meta.pop("main_module", None)
    meta.pop("body_part", None)
    main = upload.metadata.get("main_module") or header_main
    body = upload.metadata.get("body_part") or header_body
    if main:
        meta["main_module"] = main
    elif body:
        meta["body_part"] = body
    else:
        meta.update({k: v for k in ("main_module", "body_part") if (v := current.metadata.get(k))})
    meta["bindings"] = current.bindings
    meta.pop("migrations", None)  # applied with the upload that carried them, never again
    version = call.account.upload_script(
        script_name, Upload(meta, upload.parts), deploy=True, source=_source(call)
    )
    return Reply(views.script(call.account.get_script(script_name), version))


def delete_script(call: Call, script_name: str) -> Reply:
    call.account.delete_script(script_name, force=call.arg_bool("force"))
    return Reply(None)


def get_settings(call: Call, script_name: str) -> Reply:
    script = call.account.get_script(script_name)
    return Reply(views.settings(script, call.account.get_version(script_name, script.deployed_version_id)))


def patch_settings(call: Call, script_name: str) -> Reply:
    changes = parse_settings(call.body(), call.request.headers.get("Content-Type", ""))
    script = call.account.patch_settings(script_name, changes)
    return Reply(views.settings(script, call.account.get_version(script_name, script.deployed_version_id)))


def get_script_settings(call: Call, script_name: str) -> Reply:
    return Reply(views.script_settings(call.account.get_script(script_name)))


def patch_script_settings(call: Call, script_name: str) -> Reply:
    return Reply(views.script_settings(call.account.patch_script_settings(script_name, call.json_object())))


def post_version(call: Call, script_name: str) -> Reply:
    upload = _upload(call)
    if "main_module" not in upload.metadata:
        raise errors.ApiError(
            errors.UNPARSEABLE_SCRIPT, "metadata.main_module is required for a version", 400
        )
    version = call.account.upload_script(script_name, upload, deploy=False, source=_source(call))
    return Reply(views.version(version))


def list_versions(call: Call, script_name: str) -> Reply:
    items = [views.version(v) for v in reversed(call.account.list_versions(script_name))]
    return Reply(
        {"items": items}, result_info={"count": len(items), "total_count": len(items), "per_page": 100}
    )


def get_version(call: Call, script_name: str, version_id: str) -> Reply:
    call.account.get_script(script_name)
    return Reply(views.version(call.account.get_version(script_name, version_id)))


def list_deployments(call: Call, script_name: str) -> Reply:
    deployments = [views.deployment(d) for d in reversed(call.account.list_deployments(script_name))]
    return Reply({"deployments": deployments})


def post_deployment(call: Call, script_name: str) -> Reply:
    body = call.json_object()
    versions = body.get("versions")
    if not isinstance(versions, list):
        raise errors.invalid_body("versions must be a list of {version_id, percentage}")
    strategy = body.get("strategy", "percentage")
    if strategy != "percentage":
        raise errors.invalid_body("strategy must be 'percentage'")
    annotations = body.get("annotations") if isinstance(body.get("annotations"), dict) else {}
    deployment = call.account.create_deployment(script_name, versions, dict(annotations or {}), _source(call))
    return Reply(views.deployment(deployment))


def get_service(call: Call, script_name: str) -> Reply:
    return Reply(views.service(call.account.get_script(script_name)))


def delete_service(call: Call, script_name: str) -> Reply:
    call.account.delete_script(script_name, force=call.arg_bool("force"))
    return Reply(None)


def account_subdomain(call: Call) -> Reply:
    """The account's workers.dev subdomain: derived from the account id, so it is stable."""
    return Reply({"subdomain": f"local-{uuid.uuid5(uuid.NAMESPACE_URL, call.account.id).hex[:8]}"})


def get_script_subdomain(call: Call, script_name: str) -> Reply:
    script = call.account.get_script(script_name)
    return Reply({"enabled": script.subdomain_enabled, "previews_enabled": script.previews_enabled})


def post_script_subdomain(call: Call, script_name: str) -> Reply:
    body = call.json_object()
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise errors.invalid_body("enabled must be a boolean")
    previews = body.get("previews_enabled")
    script = call.account.set_subdomain(
        script_name, enabled, previews if isinstance(previews, bool) else None
    )
    return Reply({"enabled": script.subdomain_enabled, "previews_enabled": script.previews_enabled})


def list_secrets(call: Call, script_name: str) -> Reply:
    version = call.account.deployed_version(script_name)
    secret_types = ("secret_text", "secret_key")
    return Reply(
        [{"name": b["name"], "type": b["type"]} for b in version.bindings if b["type"] in secret_types]
    )


def get_schedules(call: Call, script_name: str) -> Reply:
    return Reply({"schedules": call.account.get_script(script_name).schedules})


def put_schedules(call: Call, script_name: str) -> Reply:
    body = call.json(default=[])
    if isinstance(body, dict):  # some clients wrap the list
        body = body.get("schedules", [])
    if not isinstance(body, list) or not all(
        isinstance(i, dict) and isinstance(i.get("cron"), str) for i in body
    ):
        raise errors.invalid_body("expected a list of {cron}")
    return Reply({"schedules": call.account.set_schedules(script_name, body).schedules})


def routes() -> list[Route]:
    s = checked("script_name", check_script_name)
    return [
        ("/accounts/<account_id>/workers/scripts", ["GET"], list_scripts),
        (SCRIPT, ["PUT"], s(put_script)),
        (SCRIPT, ["GET"], s(download_script)),
        (SCRIPT, ["DELETE"], s(delete_script)),
        (f"{SCRIPT}/content", ["PUT"], s(put_content)),
        (f"{SCRIPT}/content/v2", ["GET"], s(script_content_v2)),
        (f"{SCRIPT}/settings", ["GET"], s(get_settings)),
        (f"{SCRIPT}/settings", ["PATCH"], s(patch_settings)),
        (f"{SCRIPT}/script-settings", ["GET"], s(get_script_settings)),
        (f"{SCRIPT}/script-settings", ["PATCH"], s(patch_script_settings)),
        (f"{SCRIPT}/versions", ["POST"], s(post_version)),
        (f"{SCRIPT}/versions", ["GET"], s(list_versions)),
        (f"{SCRIPT}/versions/<version_id>", ["GET"], s(get_version)),
        (f"{SCRIPT}/deployments", ["GET"], s(list_deployments)),
        (f"{SCRIPT}/deployments", ["POST"], s(post_deployment)),
        (f"{SCRIPT}/subdomain", ["GET"], s(get_script_subdomain)),
        (f"{SCRIPT}/subdomain", ["POST"], s(post_script_subdomain)),
        (f"{SCRIPT}/secrets", ["GET"], s(list_secrets)),
        (f"{SCRIPT}/schedules", ["GET"], s(get_schedules)),
        (f"{SCRIPT}/schedules", ["PUT"], s(put_schedules)),
        ("/accounts/<account_id>/workers/services/<script_name>", ["GET"], s(get_service)),
        ("/accounts/<account_id>/workers/services/<script_name>", ["DELETE"], s(delete_service)),
        ("/accounts/<account_id>/workers/subdomain", ["GET"], account_subdomain),
    ]

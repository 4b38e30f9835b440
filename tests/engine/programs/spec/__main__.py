"""Registers the toy things that the `spec` config key lists, in order.

Each item: {"resource", "name"?, "value"?, "ref"?: "other.attr", "secret"?: bool, "depends_on"?: [...],
"protect"?, "retain"?, "delete_before_replace"?, "aliases"?: [old names], "replace_on"?: [...],
"dbr"?: provider-side delete-before-replace, "ignore_changes"?: [...], "export"?: bool}.
"""

import json

import pulumi
from toy_provider import Thing

config = pulumi.Config()
things: dict[str, Thing] = {}
for item in json.loads(config.require("spec")):
    value = item.get("value")
    if "ref" in item:
        other, attr = item["ref"].split(".")
        value = getattr(things[other], attr).apply(lambda v: f"ref:{v}")
    if item.get("secret"):
        value = pulumi.Output.secret(value)
    opts = pulumi.ResourceOptions(
        depends_on=[things[d] for d in item.get("depends_on", [])],
        protect=item.get("protect", False),
        retain_on_delete=item.get("retain"),
        delete_before_replace=item.get("delete_before_replace"),
        aliases=[pulumi.Alias(name=a) for a in item.get("aliases", [])],
        ignore_changes=item.get("ignore_changes"),
    )
    thing = Thing(
        item["resource"],
        name=item.get("name"),
        value=value,
        replace_on=item.get("replace_on"),
        dbr=item.get("dbr"),
        opts=opts,
    )
    things[item["resource"]] = thing
    if item.get("export"):
        pulumi.export(item["resource"], thing.value)

"""Toy program: `a`, then `b` whose value is built from a's computed serial; config drives changes."""

import pulumi
from toy_provider import Thing

config = pulumi.Config()
a = Thing("a", value=config.get("a_value") or "one", replace_on=["name"], opts=pulumi.ResourceOptions())
b = Thing("b", value=a.serial.apply(lambda s: f"from-a-{s}"))
pulumi.export("a_serial", a.serial)
pulumi.export("b_value", b.value)

"""The scale benchmark's two programs: the same resource graph built from this project's resources and from
a do-nothing dynamic provider (the reference that shows the engine's own cost per resource)."""

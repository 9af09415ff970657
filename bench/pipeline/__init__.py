"""`sr-bench pipeline`: the main job from one YAML (config), run stage by stage (stages), reported from its
records (report)."""

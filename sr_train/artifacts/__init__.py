"""What lies on disk, shared by every stage: atomic files, builtin assets, model load/export, the weights' content
identity, the run-folder contract, stored-vs-current settings and provenance. Imports nothing else of ours."""

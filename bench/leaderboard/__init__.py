"""The Open LLM Leaderboard through lm-eval: the task list (tasks), local data (data), model backends (backends),
one model's tasks run and stored (evaluate), lm-eval's raw output as tidy records (records)."""

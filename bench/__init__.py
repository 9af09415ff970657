"""bench: leaderboard (lm-eval), pairwise judges and reports for sr-align checkpoints."""

"""Pairwise win rates: question sets (questions, question_sets/), answers (generate, answers), judges (judges/),
bootstrap statistics (stats) and one A-vs-B comparison written as records (pairwise)."""

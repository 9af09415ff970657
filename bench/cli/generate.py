"""`sr-bench generate`: flags -> bench.winrate.generate.generate_answers."""

from __future__ import annotations

import argparse

from bench.winrate import generate, questions
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.errors import report as report_error
from sr_train.flags import add_flags, given


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="answer a question set with a model (both turns, resumable)",
                              description=generate.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="HF folder, hub id or .gguf file")
    p.add_argument("--questions", default="sr-questions", help="question set: sr-questions (shipped), a .jsonl "
                   "path, or a hub id (default: %(default)r)")
    p.add_argument("--set-name", help="task name for the set; None: from the name or path (default: %(default)r)")
    p.add_argument("--out", default="answers.jsonl", help="answers JSONL, appended to (default: %(default)r)")
    p.add_argument("--model-name", help="label for the model in the file; None: from the path (default: "
                   "%(default)r)")
    p.add_argument("--limit", type=int, help="only the first N questions; None: all (default: %(default)r)")
    add_flags(p.add_argument_group("decoding"), generate.Decoding)  # flags, help and defaults: Decoding's fields
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        qset = questions.load_questions(args.questions, limit=args.limit, name=args.set_name)
        out = generate.generate_answers(args.model, qset, args.out, model_name=args.model_name,
                                        **given(args, generate.Decoding))
    except (UserError, FileNotFoundError) as e:  # bad questions, answers file or options; a bug keeps its traceback
        return report_error("sr-bench generate", e)
    print(out)
    return 0

"""`sr-bench generate`: flags -> bench.winrate.generate.generate_answers."""

from __future__ import annotations

import argparse

from bench.winrate import generate, questions
from bench.winrate.answers import AnswersError
from sr_train.artifacts.errors import report as report_error
from sr_train.artifacts.models import BF16_SETTINGS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="answer a question set with a model (both turns, resumable)",
                              description=generate.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="HF folder, hub id or .gguf file")
    p.add_argument("--questions", default="sr-questions",
                   help="question set: sr-questions (shipped), a .jsonl path, or a hub id (default: sr-questions)")
    p.add_argument("--set-name", default=None, help="task name for the set (default: from the name or path)")
    p.add_argument("--backend", choices=["hf", "vllm"], default="hf", help="generation engine (default: hf)")
    p.add_argument("--out", default="answers.jsonl", help="answers JSONL, appended to (default: answers.jsonl)")
    p.add_argument("--model-name", default=None, help="label for the model in the file (default: from the path)")
    p.add_argument("--max-new-tokens", type=int, default=1024, help="per turn (default: 1024)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default: 0)")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling when temperature > 0 (default: 1)")
    p.add_argument("--top-k", type=int, default=0, help="top-k sampling when temperature > 0; 0 = off (default: 0)")
    p.add_argument("--min-p", type=float, default=0.0, help="min-p sampling when temperature > 0 (default: 0)")
    p.add_argument("--repetition-penalty", type=float, default=1.0, help="1 = off (default: 1)")
    p.add_argument("--template", choices=generate.TEMPLATES, default="chat",
                   help="chat: the tokenizer's chat template; plain: the HH text form sr-train trains on "
                   "('\\n\\nHuman: ...\\n\\nAssistant:'), stopping at the next human turn; auto: chat when the "
                   "tokenizer has a template, else plain (default: chat)")
    p.add_argument("--category-temperatures", choices=sorted(generate.CATEGORY_TEMPERATURES), default=None,
                   help="per-category temperatures (mt-bench: writing/roleplay 0.7, stem/humanities 0.1, "
                   "extraction/math/coding/reasoning 0; other categories take --temperature) (default: off)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default: 0)")
    p.add_argument("--batch-size", type=int, default=8, help="questions per generate() call (default: 8)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16 (default: auto)")
    p.add_argument("--bf16", choices=BF16_SETTINGS, default="false",
                   help="bf16 autocast of the hf backend's forward over the loaded weights: auto (where the device "
                   "runs bf16 matrix work natively: a bf16 GPU, an AMX / AVX512-BF16 CPU), true, false (default: "
                   "false; recorded in each row, and a file made the other way is not resumed)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        qset = questions.load_questions(args.questions, limit=args.limit, name=args.set_name)
        out = generate.generate_answers(
            args.model, qset, args.out, backend=args.backend, max_new_tokens=args.max_new_tokens,
            temperature=args.temperature, top_p=args.top_p, batch_size=args.batch_size, seed=args.seed,
            model_name=args.model_name, dtype=args.dtype, top_k=args.top_k, min_p=args.min_p,
            repetition_penalty=args.repetition_penalty, template=args.template,
            category_temperatures=args.category_temperatures, bf16=args.bf16,
        )
    except (AnswersError, questions.QuestionError, FileNotFoundError, ValueError) as e:
        return report_error("sr-bench generate", e)
    print(out)
    return 0

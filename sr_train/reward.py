"""Bradley-Terry reward model (`sr-train --loss bt`): a scalar sequence-classification head on any causal LM,
trained with -log sigma(r(x, y+) - r(x, y-)) on the same preference data and tokenisation as the policy losses."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, PreTrainedModel

from sr_train.artifacts.models import load_model, split_gguf
from sr_train.trainer import MetricsTrainer


def load_reward_model(name_or_path: str, tokenizer, dtype: torch.dtype = torch.float32,
                      trust_remote_code: bool = False) -> PreTrainedModel:
    """A num_labels=1 sequence-classification model whose body starts from `name_or_path` (hub id, folder, .gguf)."""
    folder, gguf = split_gguf(name_or_path)
    if gguf is None:
        model = AutoModelForSequenceClassification.from_pretrained(
            folder, num_labels=1, dtype=dtype, use_safetensors=True, trust_remote_code=trust_remote_code)
    else:
        lm = load_model(name_or_path)
        config = lm.config
        config.num_labels = 1
        model = AutoModelForSequenceClassification.from_config(config)
        missing, _ = model.load_state_dict(lm.state_dict(), strict=False)
        if any(not k.startswith("score") for k in missing):
            raise ValueError(f"{name_or_path}: body weights missing in the reward model: {missing[:5]}")
        model = model.to(dtype)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def sequence_rewards(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """One scalar per row: the head's output at the last attended token (right padding)."""
    return model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits[:, 0]


class RewardTrainer(MetricsTrainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        rewards = sequence_rewards(model, inputs["input_ids"], inputs["attention_mask"])
        n = rewards.shape[0] // 2
        chosen, rejected = rewards[:n], rewards[n:]
        loss = -F.logsigmoid(chosen - rejected).mean()
        self._gather_mean("rewards/chosen", chosen)
        self._gather_mean("rewards/rejected", rejected)
        self._gather_mean("rewards/margins", chosen - rejected)
        self._gather_mean("rewards/accuracies", (chosen > rejected).float())
        self._count_tokens(inputs)
        return (loss, rewards) if return_outputs else loss

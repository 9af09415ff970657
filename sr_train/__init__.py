"""sr_train: DPO, IPO, Sr-DPO, Sr-IPO and margin baselines on transformers.Trainer."""

__version__ = "0.1.0"

"""painpath: personalized, multimodal chronic-pain care."""

__version__ = "0.1.0"

"""Data loading on the device: decode once, move once, augment and degrade per batch (docs/data-loading.md)."""

from denoisekit.data.cache import DiskCache, MemoryCache
from denoisekit.data.datasets import ArrayDataset, FileDataset
from denoisekit.data.loader import DeviceLoader
from denoisekit.data.sampler import ShardSampler

__all__ = ["ArrayDataset", "DeviceLoader", "DiskCache", "FileDataset", "MemoryCache", "ShardSampler"]

"""The batches one rank runs in each epoch: seeded, sharded like DistributedSampler, resumable.

Epoch ``e`` shuffles ``range(size)`` with a permutation drawn from ``(seed, e)``, the same on
every rank. As torch's ``DistributedSampler`` (``drop_last=False``) does, the order is padded by
repeating its start to a multiple of the world size and rank ``r`` takes positions ``r, r + w,
...``: the shards are disjoint and cover the data (up to the padding). Each rank cuts its share
into batches in order. With ``groups`` (one key per index, e.g. the sample's shape) a batch only
holds indices of one group, the batch order is shuffled, and a rank with fewer batches repeats its
first ones, so every rank runs the same number of batches (DDP needs it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from typing import Any

import torch


def mix_seed(*parts: int) -> int:
    """A 63-bit seed from integers such as (seed, epoch, rank, batch): different tuples, unrelated seeds."""
    digest = hashlib.blake2b(",".join(str(int(p)) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def dist_rank_world(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """The explicit ``rank`` / ``world_size``, else torch.distributed's when initialised, else (0, 1)."""
    if rank is None or world_size is None:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            rank = torch.distributed.get_rank() if rank is None else rank
            world_size = torch.distributed.get_world_size() if world_size is None else world_size
        else:
            rank = 0 if rank is None else rank
            world_size = 1 if world_size is None else world_size
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in a world of size {world_size}")
    return rank, world_size


def _chunks(indices: Sequence[int], size: int, drop_last: bool) -> list[list[int]]:
    batches = [list(indices[k:k + size]) for k in range(0, len(indices), size)]
    return [b for b in batches if len(b) == size] if drop_last else batches


class ShardSampler:
    """The batches of rank ``rank`` in a world of ``world_size`` over ``size`` samples.

    ``epoch`` and ``position`` (batches already run in this epoch) are the state a checkpoint
    keeps; ``remaining()`` gives the batches from ``position`` on.
    """

    def __init__(self, size: int, batch_size: int, *, seed: int = 0, shuffle: bool = True,
                 drop_last: bool = False, groups: Sequence[Hashable] | None = None,
                 rank: int | None = None, world_size: int | None = None):
        if size < 1 or batch_size < 1:
            raise ValueError(f"need at least one sample and a batch size >= 1 (got {size} and {batch_size})")
        if groups is not None and len(groups) != size:
            raise ValueError(f"{len(groups)} group keys for {size} samples")
        self.size, self.batch_size, self.seed = size, batch_size, seed
        self.shuffle, self.drop_last = shuffle, drop_last
        self.group_ids = None if groups is None else self._group_ids(groups)
        self.rank, self.world_size = dist_rank_world(rank, world_size)
        self.epoch, self.position = 0, 0
        self._cached: tuple[int, list[list[int]]] | None = None
        if not self.batches():
            raise ValueError(f"{size} samples give no full batch of {batch_size} on each of {self.world_size} ranks")

    @staticmethod
    def _group_ids(groups: Sequence[Hashable]) -> list[int]:
        ids: dict[Hashable, int] = {}
        return [ids.setdefault(g, len(ids)) for g in groups]

    def _order(self, epoch: int) -> list[int]:
        if not self.shuffle:
            return list(range(self.size))
        g = torch.Generator().manual_seed(mix_seed(self.seed, epoch))
        return torch.randperm(self.size, generator=g).tolist()

    def _shard_batches(self, shard: list[int], epoch: int, rank: int) -> list[list[int]]:
        if self.group_ids is None:
            return _chunks(shard, self.batch_size, self.drop_last)
        members: dict[int, list[int]] = {}
        for i in shard:
            members.setdefault(self.group_ids[i], []).append(i)
        batches = [b for m in members.values() for b in _chunks(m, self.batch_size, self.drop_last)]
        if self.shuffle:
            g = torch.Generator().manual_seed(mix_seed(self.seed, epoch, rank, 1))
            batches = [batches[k] for k in torch.randperm(len(batches), generator=g).tolist()]
        return batches

    def batches(self, epoch: int | None = None) -> list[list[int]]:
        """All batches (lists of sample indices) of this rank in ``epoch`` (default: the current one)."""
        epoch = self.epoch if epoch is None else epoch
        if self._cached is not None and self._cached[0] == epoch:
            return self._cached[1]
        order = self._order(epoch)
        total = -(-self.size // self.world_size) * self.world_size
        order = (order * -(-total // self.size))[:total]
        shards = [order[r::self.world_size] for r in range(self.world_size)]
        if self.group_ids is None:
            mine = self._shard_batches(shards[self.rank], epoch, self.rank)
        else:  # every rank runs as many batches as the rank with the most
            per_rank = [self._shard_batches(s, epoch, r) for r, s in enumerate(shards)]
            mine, longest = per_rank[self.rank], max(len(b) for b in per_rank)
            mine = (mine * -(-longest // max(len(mine), 1)))[:longest] if mine else []
        self._cached = (epoch, mine)
        return mine

    def __len__(self) -> int:
        """The number of batches in the current epoch."""
        return len(self.batches())

    def remaining(self) -> list[list[int]]:
        """The batches of the current epoch not run yet; a finished epoch moves on to the next one."""
        if self.position >= len(self):
            self.set_epoch(self.epoch + 1)
        return self.batches()[self.position:]

    def set_epoch(self, epoch: int) -> None:
        """Start ``epoch`` from its first batch."""
        self.epoch, self.position = epoch, 0

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed, "size": self.size,
                "batch_size": self.batch_size, "rank": self.rank, "world_size": self.world_size}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue where ``state`` stopped; the data, seed, batch size and world must be the same."""
        for key in ("seed", "size", "batch_size", "rank", "world_size"):
            if state[key] != getattr(self, key):
                raise ValueError(f"cannot resume: the checkpoint has {key}={state[key]}, "
                                 f"this loader {getattr(self, key)}")
        self.epoch, self.position = int(state["epoch"]), int(state["position"])

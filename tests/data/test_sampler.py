"""The shard-aware, seeded batch order: disjoint covering shards, equal batch counts, resumable state."""

from __future__ import annotations

import pytest

from denoisekit.data import ShardSampler
from denoisekit.data.sampler import mix_seed


def flat(batches: list[list[int]]) -> list[int]:
    return [i for b in batches for i in b]


@pytest.mark.parametrize("size", [10, 11])
def test_two_ranks_are_disjoint_and_cover(size: int) -> None:
    ranks = [ShardSampler(size, 3, seed=4, rank=r, world_size=2) for r in range(2)]
    shards = [flat(s.batches()) for s in ranks]
    assert len(shards[0]) == len(shards[1]) == -(-size // 2)
    assert set(shards[0]) | set(shards[1]) == set(range(size))
    # DistributedSampler's padding: an odd size repeats one sample, on the second rank
    assert len(shards[0]) + len(shards[1]) - len(set(shards[0]) | set(shards[1])) == size % 2
    assert len(set(shards[0])) == len(shards[0])


def test_epochs_reshuffle_the_same_on_every_call() -> None:
    s = ShardSampler(20, 4, seed=1)
    assert s.batches(0) == ShardSampler(20, 4, seed=1).batches(0)
    assert flat(s.batches(0)) != flat(s.batches(1))
    assert sorted(flat(s.batches(1))) == list(range(20))
    assert flat(ShardSampler(20, 4, seed=2).batches(0)) != flat(s.batches(0))
    assert flat(ShardSampler(20, 4, shuffle=False).batches(0)) == list(range(20))


def test_drop_last_and_no_batch() -> None:
    assert [len(b) for b in ShardSampler(10, 4, drop_last=True, shuffle=False).batches()] == [4, 4]
    with pytest.raises(ValueError, match="no full batch"):
        ShardSampler(3, 4, drop_last=True)


def test_buckets_hold_one_group_and_ranks_run_as_many_batches() -> None:
    groups = ["a"] * 7 + ["b"] * 2 + ["c"] * 5
    ranks = [ShardSampler(len(groups), 2, seed=3, groups=groups, rank=r, world_size=2) for r in range(2)]
    for s in ranks:
        assert all(len({groups[i] for i in b}) == 1 for b in s.batches())
    assert len(ranks[0]) == len(ranks[1])
    assert set(flat(ranks[0].batches())) | set(flat(ranks[1].batches())) == set(range(len(groups)))


def test_state_round_trip_and_mismatch() -> None:
    s = ShardSampler(10, 2, seed=5)
    s.set_epoch(3)
    s.position = 2
    t = ShardSampler(10, 2, seed=5)
    t.load_state_dict(s.state_dict())
    assert (t.epoch, t.position) == (3, 2) and t.remaining() == s.batches(3)[2:]
    with pytest.raises(ValueError, match="seed"):
        ShardSampler(10, 2, seed=6).load_state_dict(s.state_dict())


def test_rank_checks_and_seed_mixing() -> None:
    with pytest.raises(ValueError, match="rank 2"):
        ShardSampler(10, 2, rank=2, world_size=2)
    assert mix_seed(0, 1) != mix_seed(1, 0)
    assert 0 <= mix_seed(2**40, 7, 3) < 2**63

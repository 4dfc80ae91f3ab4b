from __future__ import annotations

import pytest

from archon.benchmarks.splits import split, take
from archon.benchmarks.types import Item


def items(n: int) -> list[Item]:
    return [Item(id=f"q{i}", prompt=f"question {i}") for i in range(n)]


def ids(chosen: list[Item]) -> list[str]:
    return [item.id for item in chosen]


def test_dev_and_test_are_disjoint_and_cover_everything() -> None:
    data = items(1000)
    dev, test = split(data, "dev"), split(data, "test")
    assert not set(ids(dev)) & set(ids(test))
    assert set(ids(dev)) | set(ids(test)) == set(ids(data))
    assert sorted(ids(split(data, "all"))) == sorted(ids(data))
    assert 150 <= len(dev) <= 250  # about 20%


def test_split_is_deterministic_and_seeded() -> None:
    data = items(300)
    assert ids(split(data, "dev", seed=0)) == ids(split(list(reversed(data)), "dev", seed=0))
    assert ids(split(data, "dev", seed=0)) != ids(split(data, "dev", seed=1))


def test_an_items_split_does_not_depend_on_the_other_items() -> None:
    data = items(300)
    dev_of_all = set(ids(split(data, "dev")))
    dev_of_half = set(ids(split(data[:150], "dev")))
    assert dev_of_half == dev_of_all & set(ids(data[:150]))


def test_dev_fraction_extremes() -> None:
    data = items(50)
    assert split(data, "dev", dev_fraction=0.0) == []
    assert len(split(data, "dev", dev_fraction=1.0)) == 50
    with pytest.raises(ValueError, match="dev_fraction"):
        split(data, "dev", dev_fraction=1.5)


def test_limit_takes_a_stable_prefix() -> None:
    test = split(items(500), "test")
    first10, first20 = take(test, 10), take(test, 20)
    assert first20[:10] == first10
    # The order is a hash order, not the dataset order: a spread-out sample.
    assert ids(first10) != sorted(ids(first10), key=lambda i: int(i[1:]))
    assert take(test, None) == test
    with pytest.raises(ValueError, match="limit"):
        take(test, -1)


def test_unknown_split() -> None:
    with pytest.raises(ValueError, match="split must be one of"):
        split(items(3), "train")

"""EvoAug's evolution-inspired augmentations as batched tensor operations.

Lee et al. (2023, Genome Biology) augment every training sequence with a
random subset of seven transformations (mutation, translocation, insertion,
deletion, inversion, reverse-complement, Gaussian noise). Here each
transformation acts on a whole batch at once: the random parameters of every
sequence (shift, segment start and length, mutated sites, ...) are drawn as
tensors and applied with index arithmetic and ``gather``/``scatter``; there is
no Python loop over sequences.

Conventions
-----------
* ``x`` is a floating-point tensor of shape ``(N, 4, L)`` holding one-hot DNA
  with channels in A, C, G, T order, so the complement of channel ``c`` is
  channel ``3 - c`` and the reverse complement of a stretch is a flip of both
  the channel and the position axes. Any floating dtype and any device work;
  the output has the dtype and device of ``x``.
* Randomness comes only from the ``generator`` argument, a
  :class:`torch.Generator` on the device of ``x`` (torch samples CUDA tensors
  with CUDA generators only), e.g.
  ``torch.Generator(device=x.device).manual_seed(seed)``.
* Every transformation except noise keeps each column one-hot; random DNA is
  uniform over the four bases.

Semantics (paper Methods; where the text is silent or loose, EvoAug 1.0.6)
--------------------------------------------------------------------------
mutation
    ``round(mutate_frac / 0.75 * L)`` distinct sites per sequence are redrawn
    uniformly (a redrawn base differs from the old one with probability 0.75,
    so on average a fraction ``mutate_frac`` of the sites change). The paper
    text says sites are drawn with replacement; the package draws distinct
    sites, as here.
translocation
    ``torch.roll`` along the sequence by ``s = sign * magnitude`` with
    ``magnitude`` uniform on ``shift_min..shift_max`` and a fair-coin sign (so
    ``s = 0`` is twice as likely as any other value when ``shift_min = 0``).
insertion
    ``m`` uniform on ``insert_min..insert_max`` random bases are inserted
    before site ``p`` uniform on ``0..L-1``; the result is framed by
    ``(insert_max - m) // 2`` random bases at the 5' end and the rest of the
    ``insert_max - m`` at the 3' end, so the output has length
    ``L + insert_max``.
deletion
    ``m`` uniform on ``delete_min..delete_max`` sites starting at ``p``
    uniform on ``0..L-delete_max`` are removed; ``m // 2`` random bases are
    added at the 5' end and ``m - m // 2`` at the 3' end (length stays ``L``).
inversion
    ``m`` uniform on ``invert_min..invert_max`` sites starting at ``p``
    uniform on ``0..L-invert_max`` are replaced by their reverse complement.
reverse_complement
    the whole sequence is reverse-complemented with probability ``rc_prob``.
noise
    i.i.d. Gaussian noise ``N(noise_mean, noise_std**2)`` is added to every
    entry of the one-hot matrix.

:class:`StochasticAugmenter` draws, for every sequence, a subset of the
augmentations (``hard``: exactly ``max_augs_per_seq``; ``soft``: uniform on
``1..max_augs_per_seq``) and applies it in the paper's priority order
:data:`PRIORITY_ORDER`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

__all__ = [
    "AUGMENTATIONS",
    "N_BASES",
    "PRIORITY_ORDER",
    "Augmentation",
    "RandomDeletion",
    "RandomInsertion",
    "RandomInversion",
    "RandomMutation",
    "RandomNoise",
    "RandomRC",
    "RandomTranslocation",
    "StochasticAugmenter",
    "build_augmentations",
    "random_bases",
]

#: Number of one-hot channels (A, C, G, T).
N_BASES = 4

#: Probability that a uniformly random base differs from the base it replaces.
_NON_SILENT_FRACTION = 0.75

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_batch(x: Any) -> None:
    """Raise unless ``x`` is a floating-point tensor of shape ``(N, 4, L)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 3 or x.shape[1] != N_BASES:
        raise ValueError(f"x must have shape (N, {N_BASES}, L), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"x must have a floating-point dtype, got {x.dtype}")


def _check_generator(generator: Any, device: torch.device) -> None:
    """Raise unless ``generator`` is a ``torch.Generator`` on ``device``."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    own = generator.device
    same_index = own.index is None or device.index is None or own.index == device.index
    if own.type != device.type or not same_index:
        raise ValueError(
            f"generator is on device {own} but x is on {device}; create it with torch.Generator(device=x.device)"
        )


def _nonnegative_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _length_range(min_name: str, low: Any, max_name: str, high: Any) -> tuple[int, int]:
    """Validate an inclusive integer range ``low..high`` of segment lengths."""
    low = _nonnegative_int(min_name, low)
    high = _nonnegative_int(max_name, high)
    if low > high:
        raise ValueError(f"{min_name} ({low}) must not exceed {max_name} ({high})")
    return low, high


def _real(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """Validate a finite real number in ``[low, high]``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ValueError(f"{name} must be a finite number in [{low}, {high}], got {value!r}")
    return float(value)


def _check_fits(name: str, segment: int, length: int) -> None:
    """Raise unless a segment of ``segment`` sites fits in a sequence of ``length``."""
    if segment > length:
        raise ValueError(f"{name} ({segment}) exceeds the sequence length L = {length}")


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


# --------------------------------------------------------------------------
# Sampling and index helpers
# --------------------------------------------------------------------------


def _one_hot(codes: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """One-hot encode base codes ``(n, length)`` in ``0..3`` as ``(n, 4, length)``."""
    n, length = codes.shape
    encoded = torch.zeros((n, N_BASES, length), dtype=dtype, device=codes.device)
    return encoded.scatter_(1, codes.unsqueeze(1), 1)


def random_bases(n: int, length: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniformly random one-hot DNA.

    Parameters
    ----------
    n, length : int
        Number of sequences and their length in bases.
    generator : torch.Generator
        Source of randomness; the result lies on its device.
    dtype : torch.dtype
        Floating dtype of the result.

    Returns
    -------
    torch.Tensor
        Shape ``(n, 4, length)``, each column one-hot with a base drawn
        uniformly from A, C, G, T.
    """
    n, length = _nonnegative_int("n", n), _nonnegative_int("length", length)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating-point dtype, got {dtype}")
    codes = torch.randint(N_BASES, (n, length), generator=generator, device=generator.device)
    return _one_hot(codes, dtype)


def _uniform_integers(low: int, high: int, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` integers uniform on ``low..high`` (inclusive), int64 of shape ``(n,)``."""
    return torch.randint(low, high + 1, (n,), generator=generator, device=generator.device)


def _random_segments(
    max_name: str, low: int, high: int, length: int, n: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sizes uniform on ``low..high`` and starts uniform on ``0..length-high``.

    Returns two int64 columns of shape ``(n, 1)``: ``(sizes, starts)``; a
    segment of the largest size ``high`` (named ``max_name`` in errors) must
    fit in ``length`` sites.
    """
    _check_fits(max_name, high, length)
    sizes = _uniform_integers(low, high, n, generator).unsqueeze(1)
    starts = _uniform_integers(0, length - high, n, generator).unsqueeze(1)
    return sizes, starts


def _positions(length: int, device: torch.device) -> torch.Tensor:
    """Site indices ``0..length-1`` as an int64 row of shape ``(1, length)``."""
    return torch.arange(length, device=device).unsqueeze(0)


def _gather_sites(x: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """``out[n, :, j] = x[n, :, source[n, j]]``; ``source`` int64 ``(N, L_out)``."""
    return x.gather(2, source.unsqueeze(1).expand(-1, x.shape[1], -1))


def _splice(
    x: torch.Tensor, source: torch.Tensor, keep: torch.Tensor, n_random: int, generator: torch.Generator
) -> torch.Tensor:
    """Sites of ``x`` where ``keep``, uniformly random bases elsewhere.

    ``out[n, :, j] = x[n, :, source[n, j]]`` where ``keep[n, j]`` (``source``
    may hold anything where ``keep`` is False) and a random one-hot base
    otherwise; ``source`` int64 and ``keep`` bool, both ``(N, L_out)``; no row
    may have more than ``n_random`` False entries in ``keep``.
    """
    length = x.shape[-1]
    # The k-th random site of a row takes column L + k of x extended by n_random random bases.
    random_rank = (~keep).cumsum(dim=1) - 1
    extended = torch.cat([x, random_bases(x.shape[0], n_random, generator, dtype=x.dtype)], dim=2)
    return _gather_sites(extended, torch.where(keep, source, length + random_rank))


# --------------------------------------------------------------------------
# Augmentations
# --------------------------------------------------------------------------


class Augmentation(ABC):
    """One EvoAug transformation, applied to every sequence of a batch.

    Subclasses are dataclasses whose fields are the paper's hyperparameters;
    :attr:`name` is the key used in configuration and :data:`PRIORITY_ORDER`.
    """

    name: ClassVar[str]

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augment every sequence of ``x`` with its own random parameters.

        Parameters
        ----------
        x : torch.Tensor
            One-hot DNA, floating dtype, shape ``(N, 4, L)``.
        generator : torch.Generator
            Source of randomness, on the device of ``x``.

        Returns
        -------
        torch.Tensor
            Augmented batch, same dtype and device as ``x``; shape
            ``(N, 4, L)`` (``(N, 4, L + insert_max)`` for insertion).
        """
        _check_batch(x)
        _check_generator(generator, x.device)
        return self._transform(x, generator)

    @abstractmethod
    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augment a validated batch."""


@dataclass
class RandomInversion(Augmentation):
    """Replace a random segment of ``invert_min..invert_max`` sites by its
    reverse complement (start uniform on ``0..L-invert_max``)."""

    invert_min: int = 0
    invert_max: int = 30

    name: ClassVar[str] = "inversion"

    def __post_init__(self) -> None:
        self.invert_min, self.invert_max = _length_range("invert_min", self.invert_min, "invert_max", self.invert_max)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, length = x.shape
        sizes, starts = _random_segments("invert_max", self.invert_min, self.invert_max, length, n, generator)
        sites = _positions(length, x.device)
        inside = (sites >= starts) & (sites < starts + sizes)
        mirrored = torch.where(inside, 2 * starts + sizes - 1 - sites, sites)
        moved = _gather_sites(x, mirrored)
        return torch.where(inside.unsqueeze(1), moved.flip(1), moved)


@dataclass
class RandomDeletion(Augmentation):
    """Delete a random segment of ``delete_min..delete_max`` sites (start
    uniform on ``0..L-delete_max``) and restore length ``L`` with random
    bases, ``m // 2`` at the 5' end and the rest at the 3' end."""

    delete_min: int = 0
    delete_max: int = 30

    name: ClassVar[str] = "deletion"

    def __post_init__(self) -> None:
        self.delete_min, self.delete_max = _length_range("delete_min", self.delete_min, "delete_max", self.delete_max)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, length = x.shape
        sizes, starts = _random_segments("delete_max", self.delete_min, self.delete_max, length, n, generator)
        # Coordinate in the shortened sequence x[:start] + x[start + size:].
        shortened = _positions(length, x.device) - sizes // 2
        keep = (shortened >= 0) & (shortened < length - sizes)
        source = torch.where(shortened >= starts, shortened + sizes, shortened)
        return _splice(x, source, keep, self.delete_max, generator)


@dataclass
class RandomTranslocation(Augmentation):
    """Roll each sequence by ``sign * magnitude`` sites, ``magnitude`` uniform
    on ``shift_min..shift_max``, ``sign`` a fair coin (as ``torch.roll``:
    positive shifts move bases towards the 3' end and wrap around)."""

    shift_min: int = 0
    shift_max: int = 20

    name: ClassVar[str] = "translocation"

    def __post_init__(self) -> None:
        self.shift_min, self.shift_max = _length_range("shift_min", self.shift_min, "shift_max", self.shift_max)

    def sample_shifts(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Signed shifts of ``n`` sequences, int64 ``(n,)`` on the generator's device."""
        magnitudes = _uniform_integers(self.shift_min, self.shift_max, n, generator)
        backward = torch.rand(n, generator=generator, device=generator.device) < 0.5
        return torch.where(backward, -magnitudes, magnitudes)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, length = x.shape
        shifts = self.sample_shifts(n, generator).remainder(length).unsqueeze(1)
        source = _positions(length, x.device) - shifts
        return _gather_sites(x, torch.where(source < 0, source + length, source))


@dataclass
class RandomInsertion(Augmentation):
    """Insert ``insert_min..insert_max`` random bases before a site uniform on
    ``0..L-1``; the output has length ``L + insert_max``, the unused
    ``insert_max - m`` sites split into random 5' (``(insert_max - m) // 2``)
    and 3' flanks (the rest).

    :meth:`insert_preserving_length` is the variant that keeps length ``L``.
    """

    insert_min: int = 0
    insert_max: int = 20

    name: ClassVar[str] = "insertion"

    def __post_init__(self) -> None:
        self.insert_min, self.insert_max = _length_range("insert_min", self.insert_min, "insert_max", self.insert_max)

    def insert_preserving_length(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Insertion followed by a centred crop back to length ``L``.

        After inserting ``m`` random bases, ``m // 2`` sites are dropped at the
        5' end and ``m - m // 2`` at the 3' end, so no random flank is added.

        Parameters
        ----------
        x : torch.Tensor
            One-hot DNA, floating dtype, shape ``(N, 4, L)``.
        generator : torch.Generator
            Source of randomness, on the device of ``x``.

        Returns
        -------
        torch.Tensor
            Shape ``(N, 4, L)``, same dtype and device as ``x``.
        """
        _check_batch(x)
        _check_generator(generator, x.device)
        sizes, sites = self._sample(x, generator)
        return self._insert(x, sizes, sites, -(sizes // 2), x.shape[-1], generator)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        sizes, sites = self._sample(x, generator)
        offsets = (self.insert_max - sizes) // 2
        return self._insert(x, sizes, sites, offsets, x.shape[-1] + self.insert_max, generator)

    def _sample(self, x: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Insertion sizes and sites, int64 ``(N,)`` each."""
        n, _, length = x.shape
        if length == 0:
            raise ValueError("insertion needs sequences of length L >= 1, got L = 0")
        sizes = _uniform_integers(self.insert_min, self.insert_max, n, generator)
        sites = _uniform_integers(0, length - 1, n, generator)
        return sizes, sites

    def _insert(
        self,
        x: torch.Tensor,
        sizes: torch.Tensor,
        sites: torch.Tensor,
        offsets: torch.Tensor,
        out_length: int,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """``out[:, :, j] = y[:, :, j - offset]`` with ``y = x[:site] + random(size)
        + x[site:]`` and random bases wherever ``j - offset`` falls outside the
        original sites of ``y``; ``sizes``, ``sites``, ``offsets`` int64 ``(N,)``."""
        length = x.shape[-1]
        sizes, sites = sizes.unsqueeze(1), sites.unsqueeze(1)
        extended = _positions(out_length, x.device) - offsets.unsqueeze(1)
        after = extended >= sites + sizes
        keep = ((extended >= 0) & (extended < sites)) | (after & (extended < length + sizes))
        source = torch.where(after, extended - sizes, extended)
        return _splice(x, source, keep, self.insert_max, generator)


@dataclass
class RandomRC(Augmentation):
    """Reverse-complement each whole sequence with probability ``rc_prob``."""

    rc_prob: float = 0.5

    name: ClassVar[str] = "reverse_complement"

    def __post_init__(self) -> None:
        self.rc_prob = _real("rc_prob", self.rc_prob, 0.0, 1.0)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        flipped = torch.rand(x.shape[0], generator=generator, device=x.device) < self.rc_prob
        return torch.where(flipped.view(-1, 1, 1), x.flip((1, 2)), x)


@dataclass
class RandomMutation(Augmentation):
    """Redraw ``round(mutate_frac / 0.75 * L)`` distinct random sites of each
    sequence with uniformly random bases (``0 <= mutate_frac <= 0.75``)."""

    mutate_frac: float = 0.05

    name: ClassVar[str] = "mutation"

    def __post_init__(self) -> None:
        self.mutate_frac = _real("mutate_frac", self.mutate_frac, 0.0, _NON_SILENT_FRACTION)

    def n_mutations(self, length: int) -> int:
        """Number of redrawn sites in a sequence of ``length`` bases."""
        return round(self.mutate_frac / _NON_SILENT_FRACTION * length)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, _, length = x.shape
        count = self.n_mutations(length)
        keys = torch.rand((n, length), generator=generator, device=x.device)
        sites = keys.topk(count, dim=1, largest=False).indices
        mutated = x.clone()
        new_bases = random_bases(n, count, generator, dtype=x.dtype)
        mutated.scatter_(2, sites.unsqueeze(1).expand(-1, N_BASES, -1), new_bases)
        return mutated


@dataclass
class RandomNoise(Augmentation):
    """Add i.i.d. Gaussian noise with mean ``noise_mean`` and standard
    deviation ``noise_std`` to every entry of the one-hot matrix."""

    noise_mean: float = 0.0
    noise_std: float = 0.2

    name: ClassVar[str] = "noise"

    def __post_init__(self) -> None:
        self.noise_mean = _real("noise_mean", self.noise_mean)
        self.noise_std = _real("noise_std", self.noise_std, 0.0)

    def _transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return x + (noise * self.noise_std + self.noise_mean)


#: Augmentation classes by configuration key, in the paper's priority order.
AUGMENTATIONS: dict[str, type[Augmentation]] = {
    cls.name: cls
    for cls in (
        RandomInversion,
        RandomDeletion,
        RandomTranslocation,
        RandomInsertion,
        RandomRC,
        RandomMutation,
        RandomNoise,
    )
}

#: Order in which the augmentations chosen for one sequence are applied (paper Methods).
PRIORITY_ORDER: tuple[str, ...] = tuple(AUGMENTATIONS)


def _priority(augmentation: Augmentation) -> int:
    return PRIORITY_ORDER.index(augmentation.name)


def _build_one(name: str, params: Mapping[str, Any] | None) -> Augmentation:
    """Instantiate augmentation ``name`` from its parameter mapping."""
    if name not in AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {name!r}; valid names are {', '.join(PRIORITY_ORDER)}")
    params = {} if params is None else params
    if not isinstance(params, Mapping):
        raise ValueError(f"parameters of augmentation {name!r} must be a mapping, got {type(params).__name__}")
    cls = AUGMENTATIONS[name]
    valid = [field.name for field in dataclasses.fields(cls)]
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(map(str, unknown))} for augmentation {name!r}; "
            f"valid parameters are {', '.join(valid)}"
        )
    return cls(**params)


def build_augmentations(spec: Mapping[str, Mapping[str, float] | None]) -> list[Augmentation]:
    """Build augmentations from a configuration mapping.

    Parameters
    ----------
    spec : Mapping
        Augmentation name (a key of :data:`AUGMENTATIONS`: ``"mutation"``,
        ``"translocation"``, ``"insertion"``, ``"deletion"``, ``"inversion"``,
        ``"reverse_complement"``, ``"noise"``) to its keyword parameters
        (``None`` or ``{}`` for the defaults), e.g.
        ``{"insertion": {"insert_max": 30}, "noise": {"noise_std": 0.3}}``.

    Returns
    -------
    list of Augmentation
        In the paper's priority order :data:`PRIORITY_ORDER`.
    """
    if not isinstance(spec, Mapping):
        raise ValueError(f"spec must be a mapping of augmentation names to parameters, got {type(spec).__name__}")
    return sorted((_build_one(name, params) for name, params in spec.items()), key=_priority)


# --------------------------------------------------------------------------
# Stochastic combination of augmentations
# --------------------------------------------------------------------------


def _append_random_bases(x: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """``x`` (``(N, 4, L)``) followed by ``count`` random bases: ``(N, 4, L + count)``."""
    if count == 0:
        return x
    return torch.cat([x, random_bases(x.shape[0], count, generator, dtype=x.dtype)], dim=2)


def _apply_to_selected(
    transform: Transform, batch: torch.Tensor, selected: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Apply ``transform`` in place to the rows of ``batch`` where ``selected``
    (bool ``(n,)``); returns ``batch``."""
    rows = selected.nonzero().squeeze(1)
    if rows.numel() == 0:
        return batch
    return batch.index_copy_(0, rows, transform(batch.index_select(0, rows), generator))


class StochasticAugmenter:
    """EvoAug's random combination of augmentations, batched.

    Every sequence gets its own random subset of the augmentations, drawn
    without replacement (``hard_aug``: exactly ``max_augs_per_seq`` of them;
    otherwise a number uniform on ``1..max_augs_per_seq``), applied in the
    paper's priority order. Each augmentation is applied at once to the rows
    that chose it.

    With an insertion in the list (and ``length_preserving_insertion``
    False) every output has length ``L + insert_max``: sequences without an
    insertion get ``insert_max`` random bases at the 3' end after their other
    augmentations (so reverse-complement, mutation and noise never touch this
    padding), as in EvoAug. With ``length_preserving_insertion`` True the
    insertion is :meth:`RandomInsertion.insert_preserving_length` and all
    shapes stay ``(N, 4, L)``.

    Parameters
    ----------
    augmentations : iterable of Augmentation
        At most one of each kind; any order (they are sorted by priority).
    max_augs_per_seq : int
        Augmentations per sequence (hard) or the maximum (soft); values above
        the number of augmentations are clamped to it, as in EvoAug.
    hard_aug : bool
        Exactly ``max_augs_per_seq`` (True) or uniform on ``1..max_augs_per_seq``.
    length_preserving_insertion : bool
        Crop insertions back to ``L`` instead of padding every sequence.
    """

    def __init__(
        self,
        augmentations: Iterable[Augmentation],
        max_augs_per_seq: int,
        hard_aug: bool,
        length_preserving_insertion: bool = False,
    ) -> None:
        augmentations = list(augmentations)
        if not augmentations:
            raise ValueError("augmentations must contain at least one augmentation")
        for augmentation in augmentations:
            if not isinstance(augmentation, Augmentation):
                raise TypeError(f"augmentations must be Augmentation objects, got {type(augmentation).__name__}")
        names = [augmentation.name for augmentation in augmentations]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"augmentations must be distinct kinds; repeated: {', '.join(repeated)}")
        k = _nonnegative_int("max_augs_per_seq", max_augs_per_seq)
        if k < 1:
            raise ValueError(f"max_augs_per_seq must be at least 1, got {k}")
        self.augmentations: tuple[Augmentation, ...] = tuple(sorted(augmentations, key=_priority))
        self.max_augs_per_seq = min(k, len(self.augmentations))
        self.hard_aug = _check_bool("hard_aug", hard_aug)
        self.length_preserving_insertion = _check_bool("length_preserving_insertion", length_preserving_insertion)
        self._insertion = next((a for a in self.augmentations if isinstance(a, RandomInsertion)), None)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({list(self.augmentations)!r}, max_augs_per_seq={self.max_augs_per_seq}, "
            f"hard_aug={self.hard_aug}, length_preserving_insertion={self.length_preserving_insertion})"
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Augmentation names in application order (the columns of :meth:`sample_choices`)."""
        return tuple(augmentation.name for augmentation in self.augmentations)

    @property
    def padding(self) -> int:
        """Random bases appended at the 3' end of sequences without an
        insertion (and of evaluation inputs): ``insert_max`` or 0."""
        if self._insertion is None or self.length_preserving_insertion:
            return 0
        return self._insertion.insert_max

    def output_length(self, length: int) -> int:
        """Length of augmented (and evaluation) sequences built from length ``length``."""
        return _nonnegative_int("length", length) + self.padding

    def sample_choices(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Draw which augmentations each of ``n`` sequences gets.

        Returns
        -------
        torch.Tensor
            Bool, shape ``(n, len(self.augmentations))`` on the generator's
            device; column ``a`` is :attr:`names` ``[a]``. Each row holds
            ``max_augs_per_seq`` (hard) or uniform ``1..max_augs_per_seq``
            (soft) True entries at uniformly random columns.
        """
        n = _nonnegative_int("n", n)
        device = generator.device
        if self.hard_aug:
            counts = torch.full((n,), self.max_augs_per_seq, device=device)
        else:
            counts = _uniform_integers(1, self.max_augs_per_seq, n, generator)
        # A uniformly random permutation of the columns; its first `count` values mark the subset.
        permutation = torch.rand((n, len(self.augmentations)), generator=generator, device=device).argsort(dim=1)
        return permutation < counts.unsqueeze(1)

    def apply_choices(self, x: torch.Tensor, choices: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Apply the augmentations marked in ``choices`` to each sequence.

        Parameters
        ----------
        x : torch.Tensor
            One-hot DNA, floating dtype, shape ``(N, 4, L)``.
        choices : torch.Tensor
            Bool, shape ``(N, len(self.augmentations))``, on the device of ``x``
            (as returned by :meth:`sample_choices`).
        generator : torch.Generator
            Source of randomness, on the device of ``x``.

        Returns
        -------
        torch.Tensor
            Shape ``(N, 4, self.output_length(L))``, dtype and device of ``x``.
        """
        _check_batch(x)
        _check_generator(generator, x.device)
        expected = (x.shape[0], len(self.augmentations))
        if not isinstance(choices, torch.Tensor) or choices.dtype != torch.bool or tuple(choices.shape) != expected:
            raise ValueError(f"choices must be a bool tensor of shape {expected}")
        if choices.device != x.device:
            raise ValueError(f"choices are on device {choices.device} but x is on {x.device}")
        # Rows that end with different lengths (after a padded insertion) are
        # kept in separate groups of (row indices, sequences), updated in place.
        groups = [(torch.arange(x.shape[0], device=x.device), x.clone())]
        for augmentation, selected in zip(self.augmentations, choices.unbind(1)):
            if augmentation is self._insertion and not self.length_preserving_insertion:
                groups = self._split_by_insertion(groups, selected, generator)
                continue
            transform = self._transform_of(augmentation)
            groups = [(rows, _apply_to_selected(transform, batch, selected[rows], generator)) for rows, batch in groups]
        return self._assemble(groups, x, generator)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augment every sequence of ``x`` (shape ``(N, 4, L)``) with its own
        random combination; returns ``(N, 4, self.output_length(L))``."""
        _check_batch(x)
        _check_generator(generator, x.device)
        return self.apply_choices(x, self.sample_choices(x.shape[0], generator), generator)

    def pad_for_evaluation(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Un-augmented model input: ``x`` followed by :attr:`padding` random
        bases at the 3' end (fine-tuning, validation, test and prediction).

        Returns
        -------
        torch.Tensor
            Shape ``(N, 4, self.output_length(L))``; ``x`` itself when no
            padding is needed.
        """
        _check_batch(x)
        _check_generator(generator, x.device)
        return _append_random_bases(x, self.padding, generator)

    def _transform_of(self, augmentation: Augmentation) -> Transform:
        if augmentation is self._insertion:
            return augmentation.insert_preserving_length
        return augmentation

    def _split_by_insertion(
        self,
        groups: list[tuple[torch.Tensor, torch.Tensor]],
        selected: torch.Tensor,
        generator: torch.Generator,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Insert into the selected rows; the others keep length ``L`` for now."""
        ((rows, batch),) = groups  # only the insertion changes lengths
        inserted = selected[rows]
        split = [inserted.nonzero().squeeze(1), (~inserted).nonzero().squeeze(1)]
        with_insertion, without_insertion = (batch.index_select(0, positions) for positions in split)
        return [
            (rows[split[0]], self._insertion(with_insertion, generator)),
            (rows[split[1]], without_insertion),
        ]

    def _assemble(
        self, groups: list[tuple[torch.Tensor, torch.Tensor]], x: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        """Pad every group to the output length and put rows back in order."""
        out = x.new_empty((x.shape[0], N_BASES, self.output_length(x.shape[-1])))
        for rows, batch in groups:
            out.index_copy_(0, rows, _append_random_bases(batch, out.shape[-1] - batch.shape[-1], generator))
        return out

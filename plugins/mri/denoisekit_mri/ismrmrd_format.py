"""ISMRMRD HDF5 raw data (Inati et al., "ISMRM Raw data format: A proposed standard for MRI raw datasets",
MRM 77(1), 2017), read with the ``ismrmrd`` package (an optional extra: ``pip install denoisekit-mri[ismrmrd]``).

A file holds the group ``dataset`` with the XML header ``dataset/xml`` and the acquisitions ``dataset/data``,
one readout line per acquisition, each with its encoding counters. 2-D Cartesian data are assembled into the
fastMRI layout (slices, coils, H, W): H the readout samples (x), W the phase-encoding steps
(``kspace_encode_step_1``, y), so the sampling mask is over columns as in fastMRI. Noise, navigator and
phase-correction acquisitions are skipped, readouts flagged reversed are flipped back, repeated lines
(averages) are averaged. Refused with a one-line InputError naming the file: a missing group, header or
acquisition list, a non-Cartesian or 3-D encoding, several contrasts, phases, repetitions or sets, readouts of
different lengths or coil counts, counters outside the header's encoding matrix or slice limit.

The writer stores complex k-space (slices, coils, H, W) as one acquisition per sampled line, with a header
naming the encoded and reconstructed matrices; a reconstruction (a real image) is written as fastMRI's
``reconstruction`` dataset, the layout every MRI pipeline writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, Sample, check_file, reason

SKIPPED_FLAGS = ("ACQ_IS_NOISE_MEASUREMENT", "ACQ_IS_NAVIGATION_DATA", "ACQ_IS_PHASECORR_DATA")
SINGLE_COUNTERS = ("contrast", "phase", "repetition", "set")


def _ismrmrd(path: Path) -> Any:
    try:
        import ismrmrd
    except ImportError:
        raise InputError(path, "reading ISMRMRD needs the 'ismrmrd' package: pip install "
                               "'denoisekit-mri[ismrmrd]'") from None
    return ismrmrd


def _header(ismrmrd: Any, path: Path, xml: Any) -> tuple[Any, str]:
    text = xml.decode() if isinstance(xml, bytes) else str(xml)
    try:
        return ismrmrd.xsd.CreateFromDocument(text), text
    except Exception as e:  # xsdata raises parser and binding errors of several types
        raise InputError(path, f"'dataset/xml' is not a valid ISMRMRD header ({reason(e)})") from None


def _geometry(path: Path, header: Any) -> tuple[int, int, int, tuple[int, int]]:
    """(readout x, phase-encoding y, slices, recon (x, y)) of a 2-D Cartesian first encoding."""
    if not header.encoding:
        raise InputError(path, "the ISMRMRD header has no encoding")
    enc = header.encoding[0]
    trajectory = getattr(enc.trajectory, "value", enc.trajectory)
    if trajectory != "cartesian":
        raise InputError(path, f"non-Cartesian trajectory '{trajectory}': only Cartesian k-space is supported")
    size = enc.encodedSpace.matrixSize
    if size.z > 1:
        raise InputError(path, f"3-D encoding (matrix z = {size.z}): only 2-D multi-slice k-space is supported")
    limits = enc.encodingLimits
    slices = limits.slice.maximum + 1 if limits is not None and limits.slice is not None else 1
    recon = enc.reconSpace.matrixSize
    return size.x, size.y, slices, (recon.x, recon.y)


def read_ismrmrd(path: Path) -> Sample:
    """An ISMRMRD file's 2-D Cartesian k-space, ``DKHW`` complex64, with the fastMRI reader's meta (mask over
    the W columns, the header text, encoded and recon sizes)."""
    path = Path(path)
    check_file(path)
    ismrmrd = _ismrmrd(path)
    try:
        dataset = ismrmrd.Dataset(str(path), "dataset", mode="r")
    except OSError as e:
        raise InputError(path, f"not a readable HDF5 file ({reason(e)})") from None
    with dataset:
        try:
            dataset.list()
        except LookupError:
            raise InputError(path, "no ISMRMRD group 'dataset' (not an ISMRMRD file)") from None
        try:
            xml = dataset.read_xml_header()
        except LookupError:
            raise InputError(path, "no ISMRMRD header 'dataset/xml'") from None
        header, text = _header(ismrmrd, path, xml)
        try:
            count = dataset.number_of_acquisitions()
        except LookupError:
            raise InputError(path, "no acquisitions 'dataset/data'") from None
        acquisitions = [dataset.read_acquisition(i) for i in range(count)]
    return _assemble(path, ismrmrd, acquisitions, header, text)


def _assemble(path: Path, ismrmrd: Any, acquisitions: list[Any], header: Any, text: str) -> Sample:
    """The k-space of ``acquisitions`` laid out as ``header`` encodes it, each disagreement an InputError."""
    x, y, slices, recon = _geometry(path, header)
    skip = [getattr(ismrmrd, f) for f in SKIPPED_FLAGS]
    lines = [a for a in acquisitions if not any(a.is_flag_set(f) for f in skip)]
    if not lines:
        raise InputError(path, "no imaging acquisition (only noise, navigator or phase-correction lines)")
    samples = {a.number_of_samples for a in lines}
    coils = {a.active_channels for a in lines}
    if len(samples) > 1 or len(coils) > 1:
        raise InputError(path, f"acquisitions of different readout lengths {sorted(samples)} or coil counts "
                               f"{sorted(coils)}")
    h, c = samples.pop(), coils.pop()
    system = header.acquisitionSystemInformation
    receivers = system.receiverChannels if system is not None else None
    if receivers is not None and receivers != c:
        raise InputError(path, f"acquisitions of {c} coils disagree with the header's {receivers} receiver channels")
    if h != x:
        raise InputError(path, f"readouts of {h} samples disagree with the header's encoded matrix x = {x}")
    kspace = np.zeros((slices, c, h, y), dtype=np.complex128)
    hits = np.zeros((slices, y), dtype=np.int64)
    for a in lines:
        idx = a.idx
        for name in SINGLE_COUNTERS:
            if getattr(idx, name) != 0:
                raise InputError(path, f"an acquisition has {name} {getattr(idx, name)}: only one {name} is "
                                       "supported")
        s, ky = idx.slice, idx.kspace_encode_step_1
        if ky >= y or s >= slices:
            raise InputError(path, f"an acquisition's counters (slice {s}, phase encoding {ky}) are outside the "
                                   f"header's {slices} slice(s) x {y} phase-encoding steps")
        data = a.data[:, ::-1] if a.is_flag_set(ismrmrd.ACQ_IS_REVERSE) else a.data
        kspace[s, :, :, ky] += data
        hits[s, ky] += 1
    kspace /= np.maximum(hits, 1)[:, None, None, :]
    mask = hits.any(axis=0)
    meta = {"content": "kspace", "mask": mask if not mask.all() else None, "ismrmrd_header": text, "attrs": {},
            "encoded": (x, y), "recon": recon}
    return Sample(kspace.astype(np.complex64), "DKHW", "ismrmrd", meta, path=path)


def make_ismrmrd_header(ismrmrd: Any, encoded: tuple[int, int], recon: tuple[int, int], slices: int,
                        coils: int) -> str:
    """A minimal valid ISMRMRD header: one 2-D Cartesian encoding and its limits."""
    xsd = ismrmrd.xsd

    def space(size: tuple[int, int]) -> Any:
        return xsd.encodingSpaceType(matrixSize=xsd.matrixSizeType(x=size[0], y=size[1], z=1),
                                     fieldOfView_mm=xsd.fieldOfViewMm(x=float(size[0]), y=float(size[1]), z=1.0))

    limits = xsd.encodingLimitsType(
        kspace_encoding_step_1=xsd.limitType(minimum=0, maximum=encoded[1] - 1, center=encoded[1] // 2),
        slice=xsd.limitType(minimum=0, maximum=slices - 1, center=0))
    encoding = xsd.encodingType(encodedSpace=space(encoded), reconSpace=space(recon), encodingLimits=limits,
                                trajectory=xsd.trajectoryType.CARTESIAN)
    header = xsd.ismrmrdHeader(encoding=[encoding], experimentalConditions=xsd.experimentalConditionsType(
        H1resonanceFrequency_Hz=63_500_000),
        acquisitionSystemInformation=xsd.acquisitionSystemInformationType(receiverChannels=coils))
    return xsd.ToXML(header)


def write_ismrmrd(sample: Sample, path: Path) -> None:
    """Complex k-space as ISMRMRD acquisitions (one per sampled column of each slice); a real image as a fastMRI
    ``reconstruction``."""
    array = np.asarray(sample.array)
    if not np.iscomplexobj(array):
        from denoisekit_mri.formats import write_fastmri

        write_fastmri(sample, path)
        return
    ismrmrd = _ismrmrd(Path(path))
    kspace = array if sample.axes == "DKHW" else array[:, None]
    n, c, h, w = kspace.shape
    mask = sample.meta.get("mask")
    columns = np.asarray(mask, dtype=bool) if mask is not None else np.abs(kspace).max(axis=(0, 1, 2)) > 0
    recon = tuple(sample.meta.get("recon") or (h, w))
    Path(path).unlink(missing_ok=True)
    with ismrmrd.Dataset(str(path), "dataset", mode="w") as dataset:
        dataset.write_xml_header(make_ismrmrd_header(ismrmrd, (h, w), recon, n, c))
        for s in range(n):
            for ky in np.flatnonzero(columns):
                acq = ismrmrd.Acquisition.from_array(np.ascontiguousarray(kspace[s, :, :, ky], dtype=np.complex64),
                                                     center_sample=h // 2)
                acq.idx.slice, acq.idx.kspace_encode_step_1 = s, int(ky)
                dataset.append_acquisition(acq)


def example_ismrmrd() -> Sample:
    """A 2-slice, 4-coil 16 x 12 k-space sampled on every other column (plus the centre), for the round trip."""
    rng = np.random.default_rng(0)
    kspace = (rng.standard_normal((2, 4, 16, 12)) + 1j * rng.standard_normal((2, 4, 16, 12))).astype(np.complex64)
    mask = np.zeros(12, dtype=bool)
    mask[::2] = True
    mask[5:7] = True
    kspace *= mask
    return Sample(kspace, "DKHW", "ismrmrd", {"content": "kspace", "mask": mask, "attrs": {}, "encoded": (16, 12),
                                              "recon": (16, 12)})

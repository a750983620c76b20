"""The hsi plugin, as its entry point names it: the records of ``io_records`` (formats, data,
metrics, classical baselines) and ``diffusion_records`` (the diffusion pipelines).

Those modules import only the core and light modules; heavy imports happen in record factories.
"""

from denoisekit.record_plugin import records_plugin
from denoisekit_hsi import diffusion_records, io_records

plugin = records_plugin(io_records, diffusion_records)

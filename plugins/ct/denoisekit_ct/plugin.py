"""The ct plugin, as its entry point names it: the records of ``io_records`` (CT I/O, projector,
reconstruction) and ``denoise_records`` (the denoising pipelines).

Those modules import only the core and light modules; heavy imports happen in record factories.
"""

from denoisekit.record_plugin import records_plugin
from denoisekit_ct import denoise_records, io_records

plugin = records_plugin(io_records, denoise_records)

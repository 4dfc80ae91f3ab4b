"""Running a search: one search start to finish (``runner``), checks before it spends
(``preflight``), each model alone first (``power_ranking``), the trial loop (``loop``), the sampler
and pruner (``samplers``), creating or resuming the study (``studies``), where it is stored
(``storage``), the live view (``monitor``), the run directory (``rundir``) and replayable
recordings (``recording``)."""

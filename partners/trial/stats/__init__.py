"""Pure statistical core of the trial module (no Django).

Modules:

- :mod:`.sample_size` - sample size, power and detectable difference for a cluster trial (formulas of trial.md).
- :mod:`.minimisation` - Pocock-Simon minimisation with a random element; one allocation at a time.
- :mod:`.mixed` - the random-intercept linear mixed model fitted by exact profiled REML, batched.
- :mod:`.dataset` - reading and validating the trial analysis dataset (data-formats.md section 4).
- :mod:`.analysis` - the PARTNERS2 analyses: primary, sensitivity, periods, subgroups, secondary outcomes.
- :mod:`.imputation` - multiple imputation by chained equations and Rubin's rules.
- :mod:`.iv` - two-stage least squares with cluster-robust standard errors (CACE).
- :mod:`.safety` - as-treated safety counts from event records.
- :mod:`.power` - simulation-based power, vectorised across simulations.
- :mod:`.synthetic` - synthetic trial datasets (for tests, benchmarks and demonstrations).
"""

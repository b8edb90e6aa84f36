"""`partners trial`: design, randomise and analyse a cluster randomised trial (the pure core in partners.trial.stats).

Subcommands:

- ``sample-size`` - participants and clusters for a design, every factor shown (trial.md formulas).
- ``power`` - power of a design: analytic, and with ``--simulate N`` simulation-based (every simulated trial fitted
  with the primary model; a progress bar on a terminal).
- ``detectable-difference`` - the smallest difference a design detects with the given power.
- ``minimise`` - allocate practices (CSV in arrival order) by minimisation; balance report; ``--simulate-runs``
  adds the distribution of imbalance over simulated runs.
- ``analyse`` - the PARTNERS2 analyses of a trial analysis dataset (``--sensitivity`` adds the sensitivity
  analyses; ``--safety EVENTS.csv`` adds the safety counts).
- ``example-data`` - write a synthetic trial analysis dataset (for trying the commands).
- ``list``, ``report-platform``, ``unblind`` - trials on the platform's database (``partners.trial.cli``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from partners.cli import CommandError, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trial", help="design, randomise and analyse a cluster randomised trial",
        description="Sample size, power, minimisation and the PARTNERS2 analyses of a cluster randomised trial.")
    sub = parser.add_subparsers(dest="trial_command", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser("sample-size", help="participants and clusters needed",
                       description="Sample size for a two-arm cluster randomised trial with a continuous outcome: "
                       "n = 2 (z_{1-a/2} + z_{1-b})^2 / D^2 per arm (D = delta / sd), times Eldridge's design "
                       "effect 1 + ((cv^2 + 1) m - 1) icc, times 1 - r^2 for baseline adjustment; analysable "
                       "participants unrounded; recruited = m ceil(analysable f / m) with the attrition factor "
                       "f = 1 / ((1 - dropout)(1 - cluster dropout)). The working is printed.")
    _design_args(p, need_power=True)
    p.add_argument("--t-approx", action="store_true",
                   help="use t quantiles with df = analysable clusters - 2, iterated (default: normal)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_sample_size)

    p = sub.add_parser("power", help="power of a design (analytic; simulated with --simulate N)",
                       description="Power of a design with K practices in total (half per arm) of mean size M. "
                       "Without --simulate: the analytic power (the sample size formula inverted). With --simulate "
                       "N: N trials are simulated (gamma cluster sizes with the given cv, ICC, baseline "
                       "correlation, optional dropout) and EVERY one is fitted with the primary model (random "
                       "practice intercept, REML; arm, plus baseline when --baseline-correlation is given), "
                       "vectorised across simulations; power is the share with Wald p < alpha, with its Monte "
                       "Carlo SE.")
    p.add_argument("--simulate", type=int, default=0, metavar="N", help="number of simulated trials (0: analytic)")
    p.add_argument("--clusters", type=int, required=True, metavar="K", help="practices in total (half per arm)")
    p.add_argument("--mean-cluster-size", type=float, required=True, metavar="M")
    p.add_argument("--cv", type=float, default=0.0, metavar="C", help="coefficient of variation of cluster size")
    p.add_argument("--delta", type=float, required=True, metavar="D", help="difference to detect")
    p.add_argument("--sd", type=float, required=True, metavar="S", help="outcome standard deviation")
    p.add_argument("--icc", type=float, required=True, metavar="R")
    p.add_argument("--baseline-correlation", type=float, default=None, metavar="r")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--dropout", type=float, default=0.0, metavar="d",
                   help="share of participants without follow-up (missing at random)")
    p.add_argument("--cluster-dropout", type=float, default=0.0, metavar="c",
                   help="share of practices lost (analytic power only)")
    p.add_argument("--t-approx", action="store_true", help="analytic power with the t approximation")
    p.add_argument("--seed", type=int, default=None, help="random seed (printed when not given)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_power)

    p = sub.add_parser("detectable-difference", help="smallest difference a design detects",
                       description="The difference delta detectable with the given power by a design with K "
                       "practices (recruited, both arms) of mean size M: the sample size formula solved for delta.")
    p.add_argument("--clusters", type=float, required=True, metavar="K")
    p.add_argument("--mean-cluster-size", type=float, required=True, metavar="M")
    p.add_argument("--sd", type=float, required=True, metavar="S")
    p.add_argument("--icc", type=float, required=True, metavar="R")
    p.add_argument("--power", type=float, required=True, metavar="P")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--cv", type=float, default=0.0, metavar="C")
    p.add_argument("--baseline-correlation", type=float, default=None, metavar="r")
    p.add_argument("--dropout", type=float, default=0.0, metavar="d")
    p.add_argument("--cluster-dropout", type=float, default=0.0, metavar="c")
    p.add_argument("--t-approx", action="store_true")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_detectable)

    p = sub.add_parser("minimise", help="allocate practices by minimisation",
                       description="Pocock-Simon minimisation with a random element: practices in arrival order "
                       "(columns practice_id and the factor columns). Each practice goes to the arm with the "
                       "smaller weighted imbalance (range of arm counts at its factor levels) with probability p, "
                       "otherwise to the other arm; the first practice and ties at random. Reproducible from "
                       "--seed (the same seed gives the same allocations). Prints the allocations, each decision, "
                       "and the balance per factor level.")
    p.add_argument("practices", metavar="PRACTICES.csv")
    p.add_argument("--factors", required=True, help="comma-separated factor columns, e.g. region,practice_size")
    p.add_argument("--weights", default=None, help="comma-separated factor weights (default 1 each)")
    p.add_argument("--ratio", default="1:1", help="allocation ratio intervention:control (default 1:1)")
    p.add_argument("--p", type=float, default=0.8, help="probability of the preferred arm (default 0.8)")
    p.add_argument("--seed", type=int, default=None, help="random seed (printed when not given)")
    p.add_argument("--simulate-runs", type=int, default=0, metavar="N",
                   help="also report the distribution of imbalance over N simulated runs")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_minimise)

    p = sub.add_parser("analyse", help="analyse a trial analysis dataset",
                       description="The PARTNERS2 analyses of a trial analysis dataset (data-formats.md section 4): "
                       "modified intention to treat (complete cases by allocated arm); change = follow-up - "
                       "baseline; random-intercept linear mixed model by exact REML; partially adjusted (arm + "
                       "baseline) and fully adjusted (+ region, practice size); effect = intervention - control; "
                       "crude ICC (Searle's CI) and model ICCs (profile-likelihood CI); periods, subgroups and "
                       "secondary outcomes; with --sensitivity: per_protocol_window, per_protocol_availability, "
                       "multiple_imputation, cace_sessions, cace_goals.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--outcome", required=True, help="measure name (columns baseline_<m> and followup_<m>)")
    p.add_argument("--sensitivity", action="store_true", help="add the sensitivity analyses")
    p.add_argument("--df", dest="df_method", choices=["wald", "satterthwaite", "between-within"], default="wald",
                   help="inference: wald (z, as Stata mixed; default), satterthwaite (t, as lmerTest), "
                   "between-within (t, clusters minus cluster-level parameters)")
    p.add_argument("--imputations", type=int, default=50, help="multiple imputations (default 50)")
    p.add_argument("--seed", type=int, default=20230101, help="seed for the multiple imputation")
    p.add_argument("--availability-threshold", type=float, default=0.7,
                   help="per protocol: exclude practices with cp_availability below this (default 0.7)")
    p.add_argument("--max-missing", type=float, default=0.5,
                   help="no inferential analysis when an arm misses more than this share (default 0.5)")
    p.add_argument("--exclude-outliers", action="append", default=[], metavar="MEASURE:ID,ID",
                   help="exclude these participants from the analyses of MEASURE (reported; repeatable)")
    p.add_argument("--outlier-sd", type=float, default=None, metavar="K",
                   help="exclude change scores more than K s.d. from the mean (reported)")
    p.add_argument("--all-diagnosis-groups", action="store_true",
                   help="diagnosis subgroup with every group (default: bipolar versus the others, as PARTNERS2)")
    p.add_argument("--safety", default=None, metavar="EVENTS.csv",
                   help="safety events (participant_id, event_type, onset_date, end_date, days, first_contact_date)")
    p.add_argument("--no-secondary", action="store_true", help="skip the secondary outcomes")
    p.add_argument("--no-subgroups", action="store_true", help="skip the subgroup analyses")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("example-data", help="write a synthetic trial analysis dataset",
                       description="A synthetic dataset shaped like PARTNERS2 (39 practices, about 200 people), "
                       "for trying the commands. Synthetic data only.")
    p.add_argument("--out", required=True, metavar="FILE.csv")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--practices", type=int, default=39)
    p.add_argument("--mean-cluster-size", type=float, default=5.1)
    p.add_argument("--effect", type=float, default=0.05)
    p.add_argument("--icc", type=float, default=0.1)
    p.set_defaults(func=cmd_example)

    from partners.trial.cli import register_platform  # list, report-platform, unblind: the platform's trials

    register_platform(sub)


def _design_args(p: argparse.ArgumentParser, need_power: bool) -> None:
    p.add_argument("--delta", type=float, required=True, metavar="D", help="difference to detect")
    p.add_argument("--sd", type=float, required=True, metavar="S", help="outcome standard deviation")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided significance level (default 0.05)")
    p.add_argument("--power", type=float, required=need_power, metavar="P")
    p.add_argument("--icc", type=float, required=True, metavar="R", help="intracluster correlation")
    p.add_argument("--mean-cluster-size", type=float, required=True, metavar="M")
    p.add_argument("--cv", type=float, default=0.0, metavar="C", help="coefficient of variation of cluster size")
    p.add_argument("--baseline-correlation", type=float, default=None, metavar="r",
                   help="baseline-follow-up correlation (ANCOVA adjustment 1 - r^2)")
    p.add_argument("--dropout", type=float, default=0.0, metavar="d", help="individual dropout (default 0)")
    p.add_argument("--cluster-dropout", type=float, default=0.0, metavar="c", help="cluster dropout (default 0)")


def _core(call: Any, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def cmd_sample_size(args: argparse.Namespace) -> int:
    from partners.trial.stats.sample_size import sample_size

    result = _core(sample_size, delta=args.delta, sd=args.sd, alpha=args.alpha, power=args.power, icc=args.icc,
                   mean_cluster_size=args.mean_cluster_size, cv=args.cv,
                   baseline_correlation=args.baseline_correlation, dropout=args.dropout,
                   cluster_dropout=args.cluster_dropout, t_approx=args.t_approx)
    if args.json:
        print_json(result.as_dict())
        return 0
    print("\n".join(result.working))
    print(f"\nAnalysable participants {result.analysable_participants:.1f}; recruit {result.participants} "
          f"participants in {result.clusters} clusters (design effect {result.design_effect:.5f}).")
    return 0


class ProgressBar:
    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} simulated trials")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def cmd_power(args: argparse.Namespace) -> int:
    from partners.trial.stats.power import simulate_power
    from partners.trial.stats.sample_size import power_for_design

    analytic = _core(power_for_design, clusters=args.clusters, mean_cluster_size=args.mean_cluster_size,
                     delta=args.delta, sd=args.sd, icc=args.icc, alpha=args.alpha, cv=args.cv,
                     baseline_correlation=args.baseline_correlation, dropout=args.dropout,
                     cluster_dropout=args.cluster_dropout, t_approx=args.t_approx)
    if args.simulate < 0:
        raise CommandError("--simulate must be a positive number of simulated trials (or 0 for analytic power)")
    if args.simulate == 0:
        out: dict[str, Any] = {"power": analytic.power, "mc_se": None, "analytic_power": analytic.power,
                               "simulations": 0, "analytic": analytic.as_dict()}
    else:
        if args.cluster_dropout:
            raise CommandError("--cluster-dropout applies to analytic power only; simulate fewer --clusters instead")
        progress = None
        if not args.no_progress and sys.stderr.isatty():
            progress = ProgressBar(args.simulate)
        out = _core(simulate_power, simulations=args.simulate, clusters=args.clusters,
                    mean_cluster_size=args.mean_cluster_size, delta=args.delta, sd=args.sd, icc=args.icc,
                    cv=args.cv, baseline_correlation=args.baseline_correlation, alpha=args.alpha,
                    dropout=args.dropout, seed=args.seed, progress=progress)
        if args.t_approx:
            out["analytic_power"] = analytic.power
    if args.json:
        from partners.trial.stats.analysis import _clean

        print_json(_clean(out))
        return 0
    if args.simulate:
        print(f"Simulated power {out['power']:.4f} (Monte Carlo SE {out['mc_se']:.4f}) from {out['simulations']} "
              f"trials, each fitted with the primary model ({out['model']}); seed {out['seed']}; "
              f"{out['seconds']:.2f} s.")
    print("\n".join(analytic.working))
    print(f"Analytic power {analytic.power:.4f}.")
    return 0


def cmd_detectable(args: argparse.Namespace) -> int:
    from partners.trial.stats.sample_size import detectable_difference

    result = _core(detectable_difference, clusters=args.clusters, mean_cluster_size=args.mean_cluster_size,
                   sd=args.sd, icc=args.icc, power=args.power, alpha=args.alpha, cv=args.cv,
                   baseline_correlation=args.baseline_correlation, dropout=args.dropout,
                   cluster_dropout=args.cluster_dropout, t_approx=args.t_approx)
    if args.json:
        print_json({"detectable_difference": result.delta, "standardised": result.delta / args.sd,
                    **result.as_dict()})
        return 0
    print("\n".join(result.working))
    print(f"Detectable difference {result.delta:.4f} ({result.delta / args.sd:.4f} s.d.) with power {args.power:g}.")
    return 0


def _read_practices(path: str, factors: list[str]) -> list[tuple[str, dict[str, str]]]:
    import csv

    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: the file is not UTF-8 text") from None
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CommandError(f"{path}: the file is empty (no header row)") from None
    missing = [c for c in ["practice_id", *factors] if c not in header]
    if missing:
        raise CommandError(f"{path}: column {', '.join(repr(m) for m in missing)} is missing "
                           f"(columns: {', '.join(header)})")
    idx = {h: i for i, h in enumerate(header)}
    out: list[tuple[str, dict[str, str]]] = []
    problems = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        row = row + [""] * (len(header) - len(row))
        pid = row[idx["practice_id"]].strip()
        if not pid:
            problems.append(f"row {number}, column 'practice_id': the value is blank")
            continue
        if pid in seen:
            problems.append(f"row {number}, column 'practice_id': {pid!r} already appears in row {seen[pid]}")
            continue
        seen[pid] = number
        levels = {}
        for f in factors:
            value = row[idx[f]].strip()
            if not value:
                problems.append(f"row {number}, column {f!r}: the value is blank")
            levels[f] = value
        out.append((pid, levels))
    if problems:
        raise CommandError(f"{path}: " + "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))
    if not out:
        raise CommandError(f"{path}: there are no practices")
    return out


def _numbers(text: str, option: str, sep: str = ",") -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(sep) if x.strip())
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a list of numbers") from None
    if not values:
        raise CommandError(f"{option}: {text!r} is empty")
    return values


def cmd_minimise(args: argparse.Namespace) -> int:
    import secrets

    from partners.trial.stats import minimisation as mn

    factors = [f.strip().lower() for f in args.factors.split(",") if f.strip()]
    if not factors:
        raise CommandError("--factors: give at least one factor column")
    weights = _numbers(args.weights, "--weights") if args.weights else ()
    ratio = _numbers(args.ratio, "--ratio", ":")
    config = _core(mn.MinimisationConfig, factors=tuple(factors), weights=weights, ratio=ratio, p=args.p)
    practices = _read_practices(args.practices, factors)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    allocations = _core(mn.minimise, practices=practices, config=config, seed=seed)
    out: dict[str, Any] = {
        "allocations": {a.practice_id: a.arm for a in allocations},
        "seed": seed, "p": args.p, "factors": factors, "weights": list(config.weights),
        "ratio": dict(zip(config.arms, config.ratio, strict=True)),
        "method": "Pocock-Simon minimisation (range), random element p; first practice and ties at random",
        "sequence": [a.as_dict() for a in allocations],
        "balance": mn.balance(allocations, config),
    }
    if args.simulate_runs:
        out["imbalance_distribution"] = _core(mn.simulate_imbalance, practices=practices, config=config,
                                              runs=args.simulate_runs, seed=seed)
    if args.json:
        print_json(out)
        return 0
    print(f"Seed {seed}; p = {args.p:g}; factors {', '.join(factors)}.")
    for a in allocations:
        print(f"{a.sequence + 1:>4}  {a.practice_id:<20} {a.arm:<13} ({a.method})")
    for f, info in out["balance"]["factors"].items():
        levels = "; ".join(f"{lv}: " + " / ".join(f"{v[arm]}" for arm in config.arms) for lv, v in
                           info["levels"].items())
        print(f"{f}: {levels} (total imbalance {info['total_imbalance']})")
    return 0


def _outliers(items: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        measure, sep, ids = item.partition(":")
        if not sep or not measure.strip() or not ids.strip():
            raise CommandError(f"--exclude-outliers: {item!r} is not MEASURE:ID,ID")
        key = measure.strip().lower().replace("-", "_")
        out.setdefault(key, []).extend(i.strip() for i in ids.split(",") if i.strip())
    return out


def cmd_analyse(args: argparse.Namespace) -> int:
    from partners.trial.stats.analysis import AnalysisOptions, analyse
    from partners.trial.stats.dataset import DatasetError, read_dataset
    from partners.trial.stats.safety import read_safety_csv

    options = _core(AnalysisOptions, df_method=args.df_method, imputations=args.imputations, seed=args.seed,
                    availability_threshold=args.availability_threshold, max_missing=args.max_missing,
                    outliers=_outliers(args.exclude_outliers), outlier_sd=args.outlier_sd,
                    diagnosis_dichotomy=not args.all_diagnosis_groups)
    try:
        ds = read_dataset(args.data)
        events = read_safety_csv(args.safety) if args.safety else None
        result = analyse(ds, args.outcome, options, sensitivity=args.sensitivity, secondary=not args.no_secondary,
                         subgroups=not args.no_subgroups, safety_events=events)
    except DatasetError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print_json(result)
        return 0
    print(_text_summary(result))
    return 0


def _text_summary(r: dict[str, Any]) -> str:
    from partners.trial.reports import formatting as fmt
    from partners.trial.reports.tables import _measure_decimals, measure_name

    dec = _measure_decimals(r)
    lines = [f"{measure_name(r['outcome'])}: {r['population']}.",
             f"Analysed: intervention {r['n']['intervention']}, control {r['n']['control']} "
             f"({r['clusters']['intervention']} and {r['clusters']['control']} practices)."]

    def effect(label: str, block: dict[str, Any] | None) -> None:
        if not block or block.get("effect") is None:
            reason = (block or {}).get("reason", "")
            lines.append(f"  {label}: not available {reason}".rstrip())
            return
        ci = block["ci"]
        lines.append(f"  {label}: {fmt.effect_number(block['effect'], dec)} "
                     f"{fmt.interval(ci[0], ci[1], dec, effect=True)} {fmt.p_value(block['p'])}")

    if r.get("inferential") is False:
        lines.append(r.get("reason", ""))
    effect("Partially adjusted", r.get("partially_adjusted"))
    effect("Fully adjusted", r.get("fully_adjusted"))
    if r.get("crude_icc") is not None:
        lines.append("  Crude ICC " + " ".join(fmt.icc_with_ci(r["crude_icc"], r["crude_icc_ci"])))
    for name in ("per_protocol_window", "per_protocol_availability", "multiple_imputation", "cace_sessions",
                 "cace_goals"):
        if name in r:
            lines.append(f"{name}:")
            if r[name].get("available") is False:
                lines.append(f"  not available: {r[name]['reason']}")
                continue
            effect("Partially adjusted", r[name].get("partially_adjusted"))
            effect("Fully adjusted", r[name].get("fully_adjusted"))
    for sg, block in (r.get("subgroups") or {}).items():
        if block.get("p") is not None:
            lines.append(f"Subgroup {sg}: interaction {fmt.p_value(block['p'])}")
    for m, block in (r.get("secondary") or {}).items():
        if block.get("inferential") is False:
            lines.append(f"Secondary {measure_name(m)}: {block.get('reason')}")
        else:
            fa = block.get("fully_adjusted") or {}
            if fa.get("effect") is not None:
                d2 = _measure_decimals(block)
                lines.append(f"Secondary {measure_name(m)}: fully adjusted {fmt.effect_number(fa['effect'], d2)} "
                             f"{fmt.interval(fa['ci'][0], fa['ci'][1], d2, effect=True)} {fmt.p_value(fa['p'])}")
    return "\n".join(lines)


def cmd_example(args: argparse.Namespace) -> int:
    from partners.trial.stats.synthetic import synthetic_trial, write_csv

    rows = _core(synthetic_trial, seed=args.seed, practices=args.practices,
                 mean_cluster_size=args.mean_cluster_size, effect=args.effect, icc=args.icc)
    try:
        write_csv(rows, args.out)
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
    print(f"Wrote {len(rows)} synthetic participants to {args.out}.")
    return 0

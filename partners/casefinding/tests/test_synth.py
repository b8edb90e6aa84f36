from collections import Counter

from partners.casefinding import synth
from partners.casefinding.core.extracts import read_register, read_secondary
from partners.common.identifiers import is_valid_nhs_number


def test_the_same_seed_gives_the_same_extracts_and_another_seed_different_ones():
    first, second = synth.generate(300, seed=4), synth.generate(300, seed=4)
    assert first.register.equals(second.register) and first.secondary.equals(second.secondary)
    assert not synth.generate(300, seed=5).register.equals(first.register)


def test_sizes_follow_the_request():
    extracts = synth.generate(400, secondary_rows=1000, seed=2)
    assert extracts.register.num_rows == 400
    assert 1000 <= extracts.secondary.num_rows <= 1010
    assert extracts.register_truth.num_rows == 400 and extracts.secondary_truth.num_rows == extracts.secondary.num_rows


def test_generated_files_pass_validation_and_truth_has_every_status(tmp_path):
    paths = synth.write(synth.generate(3000, seed=9), tmp_path)
    _, register_report = read_register(paths["register"])
    _, secondary_report = read_secondary(paths["secondary"])
    assert register_report.ok and secondary_report.ok
    assert not register_report.errors and not secondary_report.errors
    statuses = Counter(synth.generate(3000, seed=9).register_truth.column("status").to_pylist())
    assert set(statuses) == {"under_18", "in_remission", "secondary_care", "limited_secondary", "discharged",
                             "primary_care_only"}


def test_corruption_rates_are_parameters():
    def invalid_share(extracts):
        numbers = [n.replace(" ", "") for n in extracts.secondary.column("nhs_number").to_pylist()]
        return sum(1 for n in numbers if not is_valid_nhs_number(n)) / len(numbers)

    clean = synth.generate(1500, seed=3, rates=synth.CorruptionRates().scaled(0))
    dirty = synth.generate(1500, seed=3, rates=synth.CorruptionRates().scaled(3))
    assert invalid_share(clean) == 0
    assert invalid_share(dirty) > 0.2


def test_every_register_row_has_one_person_and_twins_share_a_surname_and_birth_date():
    extracts = synth.generate(5000, seed=8, rates=synth.CorruptionRates(twins=0.2))
    assert extracts.meta["people"] > 5000
    truth = extracts.register_truth.to_pylist()
    assert all(t["in_gap"] == (t["status"] in synth.GAP_STATUSES) for t in truth)

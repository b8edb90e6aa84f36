def test_smoke(run_linkage, world):
    from partners.casefinding.models import CaseFindingResult, ReviewPair
    run = run_linkage(threshold=0.99)
    print(run.summary)
    print(ReviewPair.objects.count(), CaseFindingResult.objects.count())
    for r in CaseFindingResult.objects.filter(register_row__family_name__in=["Wisniewska","Featherstonehaugh","Hollingsworth","Ashcombe-Royle","Ravensworth","Kettleborough"]).select_related("register_row"):
        print(r.register_row.family_name, r.status, r.match_method, r.needs_review, r.eligible, r.exclusion_reasons, r.practice_id)
    for p in ReviewPair.objects.select_related("register_row","secondary_row")[:5]:
        print(p.register_row.family_name, p.secondary_row.family_name, p.match_probability, p.guard)

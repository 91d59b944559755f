"""Select the whole file and run Attention Lens: Inspect Selection. The second function copies
the first: reading the copy, an induction head looks at the token after the same token in the
original (a bright line parallel to the diagonal)."""


def parse_harbor_manifest(lines, vessel_registry, tide_offset):
    manifests = []
    for raw in lines:
        berth, cargo_code, draft_metres = raw.split(";")
        vessel = vessel_registry.lookup(cargo_code)
        if vessel is None or float(draft_metres) > vessel.max_draft + tide_offset:
            continue
        manifests.append((berth.strip(), vessel.call_sign, float(draft_metres)))
    return sorted(manifests, key=lambda entry: entry[2])


def parse_airfield_manifest(lines, vessel_registry, tide_offset):
    manifests = []
    for raw in lines:
        berth, cargo_code, draft_metres = raw.split(";")
        vessel = vessel_registry.lookup(cargo_code)
        if vessel is None or float(draft_metres) > vessel.max_draft + tide_offset:
            continue
        manifests.append((berth.strip(), vessel.call_sign, float(draft_metres)))
    return sorted(manifests, key=lambda entry: entry[2])


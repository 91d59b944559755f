"""Select this whole file and run Attention Lens: Inspect Selection.

The second function repeats the first one's body with other names in a few places. When the
model reads the copy, an induction head looks back at the token that came right after the same
token in the original and copies it: in the heatmap that is a bright line one step to the right
of the diagonal that links the two copies. A previous-token head draws the line just below the
main diagonal, and most heads park spare weight on the first token (the sink column).
"""


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


import json
from pathlib import Path
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from registry.api import linked_art as la
from registry.models import ExternalIdentifier
from tests import factories as f

D = Path("/work/shared/linked-art-schema")
def val(doc, name):
    schemas = [json.loads(p.read_text()) for p in D.glob("*.json")]
    reg = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    v = Draft202012Validator(json.loads((D/name).read_text()), registry=reg)
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in v.iter_errors(doc)]

@pytest.mark.django_db
def test_smoke():
    site = f.HeritageSiteFactory(is_sensitive=True)
    f.SiteNameFactory(owner=site, name="تدمر", language="ar")
    ExternalIdentifier.objects.create(site=site, scheme="wikidata", value="Q5747")
    f.DesignationFactory(site=site)
    child = f.HeritageSiteFactory(parent=site)
    d = la.site_to_linked_art(child); print(json.dumps(la.site_to_linked_art(site), ensure_ascii=False, indent=1)); print(val(d,"place.json"), val(la.site_to_linked_art(site),"place.json"))
    art = f.ArtefactFactory(site=site, is_group=True, quantity=5, quantity_precision="vague", quantity_phrase="several")
    art.materials.add(f.term("material", "marble"))
    ev = f.DamageEventFactory(sites=[site], cause_type=f.term("cause_type","explosion-heavy-weaponry"))
    ev.artefacts.add(art)
    f.AttributionFactory(damage_event=ev, certainty="high"); f.AttributionFactory(damage_event=ev, certainty="low")
    rep = f.DamageReportFactory(sites=[site], damage_event=ev, claim_status="confirmed", severity="destroyed")
    rep.artefacts.add(art)
    d = la.artefact_to_linked_art(art); print(json.dumps(d, ensure_ascii=False, indent=1)); print(val(d,"object.json"))
    d = la.damage_event_to_linked_art(ev); print(json.dumps(d, ensure_ascii=False, indent=1)); print(val(d,"event.json"))
    p = f.RestorationPledgeFactory(sites=[site], amount=1000, currency="USD", conditions="If security allows")
    f.PledgeStatusChangeFactory(pledge=p)
    p.refresh_from_db()
    d = la.pledge_to_linked_art(p); print(json.dumps(d, ensure_ascii=False, indent=1)); print(val(d,"event.json"))
    g = la.to_rdf_graph(d); print(len(g))

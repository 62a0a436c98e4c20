"""The demo company's map: real Kenyan places, zone > state > region > area > territory.

Two zones split the country west and east; states group the sales regions; areas are counties (Nairobi is
split into four); territories are the towns and neighbourhoods a sales rep visits.
"""

from dataclasses import dataclass

from domain.access import SYSTEM
from domain.services.geography import add_geo_node, geo_tree


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    sales_rep: str  # full name of the regional sales login `sales.<code>`
    areas: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (code, name, ((code, name), ...))


def _area(code: str, name: str, *territories: tuple[str, str]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return code, name, territories


NYANZA = Region("NYZ", "Nyanza", "Kevin Otieno", (
    _area("KSM", "Kisumu County", ("KSM-CEN", "Kisumu Central"), ("KSM-KON", "Kondele"), ("KSM-MNY", "Manyatta"),
          ("KSM-AHR", "Ahero"), ("KSM-MSN", "Maseno")),
    _area("KIS", "Kisii County", ("KIS-TWN", "Kisii Town"), ("KIS-OGB", "Ogembo"), ("KIS-KRK", "Keroka")),
    _area("HBY", "Homa Bay County", ("HBY-TWN", "Homa Bay Town"), ("HBY-MBT", "Mbita"), ("HBY-OYG", "Oyugis")),
    _area("MIG", "Migori County", ("MIG-TWN", "Migori Town"), ("MIG-AWD", "Awendo")),
))
WESTERN = Region("WST", "Western", "Sharon Wafula", (
    _area("KAK", "Kakamega County", ("KAK-TWN", "Kakamega Town"), ("KAK-MUM", "Mumias"), ("KAK-MLV", "Malava")),
    _area("BGM", "Bungoma County", ("BGM-TWN", "Bungoma Town"), ("BGM-WEB", "Webuye"), ("BGM-KIM", "Kimilili")),
    _area("BUS", "Busia County", ("BUS-TWN", "Busia Town"), ("BUS-MLB", "Malaba")),
    _area("VHG", "Vihiga County", ("VHG-LND", "Luanda")),
))
NORTH_RIFT = Region("NRT", "North Rift", "Collins Kiprotich", (
    _area("UGS", "Uasin Gishu County", ("UGS-ELD", "Eldoret Town"), ("UGS-LNG", "Langas"), ("UGS-KPS", "Kapseret"),
          ("UGS-BFR", "Burnt Forest")),
    _area("TNZ", "Trans Nzoia County", ("TNZ-KTL", "Kitale Town"), ("TNZ-KMN", "Kiminini")),
    _area("NDI", "Nandi County", ("NDI-KPB", "Kapsabet"), ("NDI-NDH", "Nandi Hills")),
    _area("EMK", "Elgeyo-Marakwet County", ("EMK-ITN", "Iten")),
))
SOUTH_RIFT = Region("SRT", "South Rift", "Gladys Chepkoech", (
    _area("NKR", "Nakuru County", ("NKR-TWN", "Nakuru Town"), ("NKR-NVS", "Naivasha"), ("NKR-MOL", "Molo"),
          ("NKR-NJR", "Njoro"), ("NKR-GLG", "Gilgil")),
    _area("KER", "Kericho County", ("KER-TWN", "Kericho Town"), ("KER-LTN", "Litein")),
    _area("BMT", "Bomet County", ("BMT-TWN", "Bomet Town")),
    _area("NAR", "Narok County", ("NAR-TWN", "Narok Town")),
))
NAIROBI = Region("NRB", "Nairobi", "Brian Kamau", (
    _area("NRB-W", "Nairobi West", ("NRB-WLD", "Westlands"), ("NRB-KNG", "Kangemi"), ("NRB-KLM", "Kilimani"),
          ("NRB-LAV", "Lavington"), ("NRB-DGT", "Dagoretti")),
    _area("NRB-E", "Nairobi East", ("NRB-KSR", "Kasarani"), ("NRB-EMB", "Embakasi"), ("NRB-UMJ", "Umoja"),
          ("NRB-DNH", "Donholm"), ("NRB-KYL", "Kayole")),
    _area("NRB-S", "Nairobi South", ("NRB-IND", "Industrial Area"), ("NRB-STB", "South B"),
          ("NRB-LNG", "Lang'ata"), ("NRB-KBR", "Kibera")),
    _area("NRB-C", "Nairobi Central", ("NRB-CBD", "Nairobi CBD"), ("NRB-ESL", "Eastleigh"), ("NRB-NGR", "Ngara")),
))
CENTRAL = Region("CEN", "Central", "Lucy Wanjiku", (
    _area("KMB", "Kiambu County", ("KMB-THK", "Thika Town"), ("KMB-RUI", "Ruiru"), ("KMB-KBU", "Kiambu Town"),
          ("KMB-LMR", "Limuru"), ("KMB-JUJ", "Juja")),
    _area("NYR", "Nyeri County", ("NYR-TWN", "Nyeri Town"), ("NYR-KRT", "Karatina"), ("NYR-OTH", "Othaya")),
    _area("MRG", "Murang'a County", ("MRG-TWN", "Murang'a Town"), ("MRG-KNL", "Kenol")),
    _area("KIR", "Kirinyaga County", ("KIR-KRG", "Kerugoya"), ("KIR-KTS", "Kutus")),
))
COAST = Region("CST", "Coast", "Hassan Mwinyi", (
    _area("MSA", "Mombasa County", ("MSA-ISL", "Mombasa Island"), ("MSA-NYL", "Nyali"), ("MSA-LKN", "Likoni"),
          ("MSA-CHG", "Changamwe"), ("MSA-BMB", "Bamburi")),
    _area("KLF", "Kilifi County", ("KLF-TWN", "Kilifi Town"), ("KLF-MLD", "Malindi"), ("KLF-MTW", "Mtwapa")),
    _area("KWL", "Kwale County", ("KWL-UKD", "Ukunda"), ("KWL-TWN", "Kwale Town")),
))
EASTERN = Region("EST", "Eastern", "Dennis Mutua", (
    _area("MCK", "Machakos County", ("MCK-TWN", "Machakos Town"), ("MCK-ATH", "Athi River"),
          ("MCK-MLG", "Mlolongo"), ("MCK-KNG", "Kangundo")),
    _area("MRU", "Meru County", ("MRU-TWN", "Meru Town"), ("MRU-NKB", "Nkubu"), ("MRU-MAU", "Maua")),
    _area("EBU", "Embu County", ("EBU-TWN", "Embu Town"), ("EBU-RNY", "Runyenjes")),
    _area("KTU", "Kitui County", ("KTU-TWN", "Kitui Town"), ("KTU-MWG", "Mwingi")),
))

# (zone code, zone name, ((state code, state name, regions), ...))
ZONES: tuple[tuple[str, str, tuple[tuple[str, str, tuple[Region, ...]], ...]], ...] = (
    ("KE-W", "Kenya West", (
        ("LAKE", "Lake Basin", (NYANZA, WESTERN)),
        ("RIFT", "Rift Valley", (NORTH_RIFT, SOUTH_RIFT)),
    )),
    ("KE-E", "Kenya East", (
        ("METRO", "Nairobi Metro", (NAIROBI, CENTRAL)),
        ("COAST-EAST", "Coast and Eastern", (COAST, EASTERN)),
    )),
)

REGIONS: tuple[Region, ...] = tuple(region for _, _, states in ZONES for _, _, regions in states for region in regions)


def region_territories(region: Region) -> list[tuple[str, str]]:
    """(area code, territory code) for every territory of the region, in map order."""
    return [(area, code) for area, _, territories in region.areas for code, _ in territories]


def places() -> list[tuple[str, str, str | None]]:
    """Every node as (code, name, parent code), parents first."""
    rows: list[tuple[str, str, str | None]] = []
    for zone_code, zone_name, states in ZONES:
        rows.append((zone_code, zone_name, None))
        for state_code, state_name, regions in states:
            rows.append((state_code, state_name, zone_code))
            for region in regions:
                rows.append((region.code, region.name, state_code))
                for area_code, area_name, territories in region.areas:
                    rows.append((area_code, area_name, region.code))
                    rows.extend((code, name, area_code) for code, name in territories)
    return rows


def ensure_geography() -> tuple[int, int]:
    """Add the places that are missing (by code), through the geography service. Returns (created, present)."""
    existing = {row.code for row in geo_tree(SYSTEM)}
    created = present = 0
    for code, name, parent in places():
        if code in existing:
            present += 1
            continue
        add_geo_node(SYSTEM, code=code, name=name, parent_code=parent)
        created += 1
    return created, present

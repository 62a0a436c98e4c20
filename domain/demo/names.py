"""Believable Kenyan names for the demo's distributors and retailers, by the communities of each region."""

from random import Random

# Each pool: (women's first names, men's first names, surnames).
POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "kikuyu": (
        ("Njeri", "Wanjiku", "Wambui", "Nyambura", "Wairimu", "Njoki", "Wangari", "Muthoni", "Waithira", "Nduta"),
        ("Kamau", "Mwangi", "Njoroge", "Kariuki", "Githinji", "Maina", "Ndungu", "Gitau", "Mugo", "Waweru"),
        ("Kamau", "Mwangi", "Njoroge", "Kariuki", "Wanjohi", "Macharia", "Muriithi", "Gachanja", "Ngugi", "Thuo",
         "Mathenge", "Kimani", "Karanja", "Mbugua", "Ndirangu"),
    ),
    "luo": (
        ("Achieng", "Akinyi", "Atieno", "Adhiambo", "Awino", "Anyango", "Apiyo", "Auma"),
        ("Otieno", "Odhiambo", "Ochieng", "Omondi", "Onyango", "Owino", "Okoth", "Ouma"),
        ("Otieno", "Odhiambo", "Ochieng", "Omondi", "Onyango", "Owino", "Okoth", "Ouma", "Oduor", "Ogola",
         "Okello", "Obiero"),
    ),
    "kisii": (
        ("Kerubo", "Moraa", "Nyaboke", "Bosibori", "Kemunto", "Nyanchama"),
        ("Onsongo", "Nyakundi", "Ombati", "Mogaka", "Ondieki", "Nyamweya"),
        ("Onsongo", "Nyakundi", "Ombati", "Mogaka", "Ondieki", "Nyamweya", "Momanyi", "Omwenga"),
    ),
    "luhya": (
        ("Nafula", "Nekesa", "Naliaka", "Nasimiyu", "Khadija", "Auma", "Nabwire", "Nanjala"),
        ("Wafula", "Wanjala", "Barasa", "Wekesa", "Simiyu", "Shikuku", "Makokha", "Juma"),
        ("Wafula", "Wanjala", "Barasa", "Wekesa", "Simiyu", "Shikuku", "Makokha", "Okumu", "Khaemba", "Masinde",
         "Mukhwana", "Lusweti"),
    ),
    "kalenjin": (
        ("Chebet", "Jepkosgei", "Chepkoech", "Jeptoo", "Cherono", "Chelangat", "Jepchirchir", "Chepngeno"),
        ("Kiprono", "Kipchoge", "Kiprotich", "Kibet", "Cheruiyot", "Kipkemboi", "Kiplagat", "Rotich"),
        ("Kiprono", "Kiprotich", "Kibet", "Cheruiyot", "Rotich", "Koech", "Langat", "Korir", "Kirui", "Ruto",
         "Kosgei", "Sang"),
    ),
    "coastal": (
        ("Fatuma", "Mwanajuma", "Zawadi", "Halima", "Amina", "Kadzo", "Mwanaisha", "Rehema"),
        ("Hassan", "Omar", "Juma", "Salim", "Kahindi", "Baya", "Mohamed", "Said"),
        ("Mwinyi", "Hassan", "Omar", "Salim", "Kahindi", "Baya", "Katana", "Charo", "Mohamed", "Karisa",
         "Shee", "Bakari"),
    ),
    "kamba_meru": (
        ("Mwende", "Ndinda", "Mwikali", "Kalekye", "Nkatha", "Kawira", "Makena", "Gakii"),
        ("Mutua", "Musyoka", "Kilonzo", "Muema", "Kinyua", "Gitonga", "Mutuma", "Murithi"),
        ("Mutua", "Musyoka", "Kilonzo", "Muema", "Mutiso", "Nzioka", "Kinyua", "Gitonga", "Mutuma", "Kiogora",
         "Muthama", "Kyalo"),
    ),
}

REGION_POOLS: dict[str, tuple[str, ...]] = {
    "NYZ": ("luo", "luo", "kisii"),
    "WST": ("luhya", "luhya", "luo"),
    "NRT": ("kalenjin", "kalenjin", "luhya", "kikuyu"),
    "SRT": ("kalenjin", "kikuyu", "kikuyu"),
    "NRB": ("kikuyu", "luo", "luhya", "kamba_meru", "kalenjin"),
    "CEN": ("kikuyu",),
    "CST": ("coastal", "coastal", "kamba_meru"),
    "EST": ("kamba_meru",),
}

# Supermarket chains and where they trade (region codes).
CHAINS: dict[str, tuple[str, ...]] = {
    "Naivas": ("NRB", "CEN", "SRT", "NRT", "NYZ", "WST", "CST", "EST"),
    "Quickmart": ("NRB", "CEN", "SRT", "NRT", "NYZ", "CST", "EST"),
    "Chandarana": ("NRB", "CST"),
    "Magunas": ("CEN", "SRT", "NRT"),
    "Khetia's": ("NYZ", "WST", "NRT"),
    "Mathai": ("NRB", "CEN"),
    "Eastmatt": ("NRB", "EST"),
    "Cleanshelf": ("NRB", "CEN", "SRT"),
    "Jazaribu": ("CEN", "EST"),
}

# Shop names Kenyans favour: a virtue or blessing in Swahili.
VIRTUES = ("Baraka", "Neema", "Upendo", "Amani", "Faraja", "Tumaini", "Jamii", "Riziki", "Bahati", "Imani",
           "Rehema", "Subira", "Furaha", "Uzima", "Mwangaza", "Jitegemee", "Bidii", "Heri")
DISTRIBUTOR_WORDS = ("Umoja", "Jambo", "Mlima", "Tausi", "Simba", "Twiga", "Nyota", "Msingi", "Fanaka", "Tawi")
REGION_WORDS: dict[str, tuple[str, ...]] = {
    "NYZ": ("Lakeside", "Nam Lolwe", "Victoria"), "WST": ("Western Star", "Elgon", "Nzoia"),
    "NRT": ("North Rift", "Highlands", "Cherangani"), "SRT": ("Rift Fresh", "Menengai", "Flamingo"),
    "NRB": ("Capital", "Metro", "Green City"), "CEN": ("Mt Kenya", "Aberdare", "Chania"),
    "CST": ("Pwani", "Bahari", "Coastline"), "EST": ("Ukambani", "Nyambene", "Eastern Star"),
}


def person(rng: Random, region: str) -> tuple[str, str, str]:
    """(woman's first name, man's first name, surname) from one of the region's communities."""
    women, men, surnames = POOLS[rng.choice(REGION_POOLS[region])]
    return rng.choice(women), rng.choice(men), rng.choice(surnames)


def distributor_name(rng: Random, region: str, town: str) -> str:
    _, man, surname = person(rng, region)
    patterns = (
        f"{surname} Distributors Ltd", f"{surname} & Sons Distributors", f"{man} {surname} Enterprises",
        f"{rng.choice(REGION_WORDS[region])} Bakery Distributors", f"{town} Wholesalers Ltd",
        f"{rng.choice(DISTRIBUTOR_WORDS)} Distributors", f"{surname} Agencies Ltd",
        f"{rng.choice(REGION_WORDS[region])} Foods Ltd",
    )
    return rng.choice(patterns)


def retailer(rng: Random, region: str, town: str) -> tuple[str, str]:
    """(kind of outlet, name): dukas and kiosks most of all, then shops, mini-marts, hotels and supermarkets."""
    woman, man, surname = person(rng, region)
    roll = rng.random()
    if roll < 0.30:
        return "duka", rng.choice((f"Mama {woman} Shop", f"Mama {woman} Duka", f"{woman}'s Shop"))
    if roll < 0.50:
        return "kiosk", rng.choice((f"{man} Kiosk", f"{woman} Kiosk", f"{rng.choice(VIRTUES)} Kiosk"))
    if roll < 0.72:
        return "shop", rng.choice((f"{surname} General Store", f"{rng.choice(VIRTUES)} Shop",
                                   f"{rng.choice(VIRTUES)} General Store", f"{man} & Sons Shop"))
    if roll < 0.86:
        return "minimart", rng.choice((f"{surname} Mini Mart", f"{town} Fresh Mart",
                                       f"{rng.choice(VIRTUES)} Mini Mart"))
    if roll < 0.94:
        return "hotel", rng.choice((f"Kwa {surname} Hotel", f"{rng.choice(VIRTUES)} Café", f"{town} Tea Room"))
    chains = [chain for chain, regions in CHAINS.items() if region in regions]
    return "supermarket", f"{rng.choice(chains)} {town}"


def phone(rng: Random) -> str:
    """A Kenyan mobile number, +254 7XX XXX XXX."""
    return f"+254 7{rng.randrange(10, 100)} {rng.randrange(100, 1000)} {rng.randrange(100, 1000)}"

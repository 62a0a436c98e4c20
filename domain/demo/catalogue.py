"""The demo catalogue: what Chesanto bakes and what it bakes it from, at believable 2026 Kenyan prices (KES).

Prices per tier: factory→distributor, distributor→retailer, and the retail price printed on the bag.
Recipes are per unit sold (one loaf, one pack, one cake), in the material's own unit, exact to 0.001.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.access import SYSTEM
from domain.models import ProductKind
from domain.services.products import create_product, get_recipe, list_products, set_recipe


@dataclass(frozen=True)
class Material:
    sku: str
    name: str
    kind: ProductKind
    category: str
    unit: str
    cost: str  # KES per unit
    reorder_level: str


@dataclass(frozen=True)
class FinishedGood:
    sku: str
    name: str
    category: str
    unit: str
    prices: tuple[str, str, str]  # distributor, retailer, retail
    cost: str  # standard cost per unit: materials plus labour, energy and overheads
    shelf_life_days: int
    reorder_level: str
    recipe: tuple[tuple[str, str], ...]  # (material SKU, quantity per unit)


RAW, PACK = ProductKind.RAW_MATERIAL, ProductKind.PACKAGING
MATERIALS: tuple[Material, ...] = (
    Material("RM-FLOUR", "Baker's Wheat Flour", RAW, "Flour", "kg", "72.00", "10000"),
    Material("RM-FLOUR-WM", "Wholemeal Wheat Flour", RAW, "Flour", "kg", "78.00", "2000"),
    Material("RM-SUGAR", "Sugar", RAW, "Sweeteners", "kg", "140.00", "1500"),
    Material("RM-SALT", "Salt", RAW, "Additives", "kg", "30.00", "300"),
    Material("RM-YEAST", "Instant Dry Yeast", RAW, "Leavening", "kg", "650.00", "150"),
    Material("RM-BAKING-POWDER", "Baking Powder", RAW, "Leavening", "kg", "400.00", "50"),
    Material("RM-IMPROVER", "Bread Improver", RAW, "Additives", "kg", "550.00", "50"),
    Material("RM-PRESERVATIVE", "Calcium Propionate", RAW, "Additives", "kg", "480.00", "30"),
    Material("RM-VEG-FAT", "Vegetable Fat", RAW, "Fats and oils", "kg", "280.00", "500"),
    Material("RM-MARGARINE", "Baking Margarine", RAW, "Fats and oils", "kg", "320.00", "300"),
    Material("RM-OIL", "Vegetable Cooking Oil", RAW, "Fats and oils", "litre", "260.00", "400"),
    Material("RM-MILK-POWDER", "Milk Powder", RAW, "Dairy and eggs", "kg", "700.00", "100"),
    Material("RM-EGGS", "Eggs", RAW, "Dairy and eggs", "piece", "15.00", "3000"),
    Material("RM-COCOA", "Cocoa Powder", RAW, "Fruit and flavour", "kg", "950.00", "20"),
    Material("RM-RAISINS", "Raisins", RAW, "Fruit and flavour", "kg", "650.00", "50"),
    Material("RM-MIXED-FRUIT", "Mixed Candied Fruit", RAW, "Fruit and flavour", "kg", "750.00", "50"),
    Material("RM-VANILLA", "Vanilla Essence", RAW, "Fruit and flavour", "litre", "1200.00", "10"),
    Material("PK-BAG-400", "Bread Bag 400g", PACK, "Bags", "piece", "2.20", "50000"),
    Material("PK-BAG-600", "Bread Bag 600g", PACK, "Bags", "piece", "2.60", "20000"),
    Material("PK-BAG-800", "Bread Bag 800g", PACK, "Bags", "piece", "3.00", "30000"),
    Material("PK-BAG-1500", "Bread Bag 1.5kg", PACK, "Bags", "piece", "3.80", "10000"),
    Material("PK-BAG-BUN", "Bun Bag", PACK, "Bags", "piece", "2.00", "30000"),
    Material("PK-POUCH", "Snack Pouch", PACK, "Bags", "piece", "1.50", "30000"),
    Material("PK-CAKE-BOX", "Cake Box", PACK, "Boxes and trays", "piece", "18.00", "3000"),
    Material("PK-CAKE-TRAY", "Queen Cake Tray", PACK, "Boxes and trays", "piece", "6.00", "5000"),
    Material("PK-PAPER-CUP", "Paper Baking Cup", PACK, "Boxes and trays", "piece", "0.60", "30000"),
    Material("PK-CLIP", "Bread Bag Clip", PACK, "Sundries", "piece", "0.30", "100000"),
)

# Bread dough per kilogram of baked bread (the loaf's weight scales it).
_WHITE = {"RM-FLOUR": "0.660", "RM-SUGAR": "0.033", "RM-SALT": "0.013", "RM-YEAST": "0.010",
          "RM-VEG-FAT": "0.020", "RM-IMPROVER": "0.003", "RM-PRESERVATIVE": "0.002"}
_BROWN = {"RM-FLOUR-WM": "0.400", "RM-FLOUR": "0.260", "RM-SUGAR": "0.030", "RM-SALT": "0.013",
          "RM-YEAST": "0.012", "RM-VEG-FAT": "0.020", "RM-IMPROVER": "0.004", "RM-PRESERVATIVE": "0.002"}
_WHOLEMEAL = {"RM-FLOUR-WM": "0.640", "RM-SUGAR": "0.025", "RM-SALT": "0.013", "RM-YEAST": "0.013",
              "RM-VEG-FAT": "0.025", "RM-IMPROVER": "0.004", "RM-PRESERVATIVE": "0.002"}
_MILK = {**_WHITE, "RM-SUGAR": "0.050", "RM-MILK-POWDER": "0.025"}
_TOAST = {**{k: v for k, v in _WHITE.items() if k != "RM-VEG-FAT"}, "RM-SUGAR": "0.050",
          "RM-MARGARINE": "0.060", "RM-MILK-POWDER": "0.020"}


def _loaf(dough: dict[str, str], kg: str, bag: str) -> tuple[tuple[str, str], ...]:
    """A loaf's recipe: the dough scaled to its weight, rounded to grams, then its bag and clip."""
    weight = Decimal(kg)
    lines = [(sku, str((Decimal(q) * weight).quantize(Decimal("0.001"), ROUND_HALF_UP))) for sku, q in dough.items()]
    return (*lines, (bag, "1"), ("PK-CLIP", "1"))


def _bread(sku: str, name: str, prices: tuple[str, str, str], cost: str, dough: dict[str, str], kg: str,
           bag: str) -> FinishedGood:
    return FinishedGood(sku, name, "Bread", "loaf", prices, cost, 5, "500", _loaf(dough, kg, bag))


def _good(sku: str, name: str, category: str, prices: tuple[str, str, str], cost: str, shelf_life_days: int,
          *recipe: tuple[str, str]) -> FinishedGood:
    return FinishedGood(sku, name, category, "pack", prices, cost, shelf_life_days, "200", recipe)


FINISHED: tuple[FinishedGood, ...] = (
    _bread("BRD-WHITE-400", "White Bread 400g", ("52.00", "57.00", "65.00"), "38.00", _WHITE, "0.4", "PK-BAG-400"),
    _bread("BRD-WHITE-600", "White Bread 600g", ("75.00", "82.00", "92.00"), "55.00", _WHITE, "0.6", "PK-BAG-600"),
    _bread("BRD-WHITE-800", "White Bread 800g", ("98.00", "106.00", "120.00"), "72.00", _WHITE, "0.8", "PK-BAG-800"),
    _bread("BRD-FAMILY-1500", "Family Loaf 1.5kg", ("175.00", "188.00", "210.00"), "128.00", _WHITE, "1.5",
           "PK-BAG-1500"),
    _bread("BRD-BROWN-400", "Brown Bread 400g", ("55.00", "60.00", "68.00"), "40.00", _BROWN, "0.4", "PK-BAG-400"),
    _bread("BRD-BROWN-800", "Brown Bread 800g", ("102.00", "110.00", "125.00"), "75.00", _BROWN, "0.8",
           "PK-BAG-800"),
    _bread("BRD-WHOLEMEAL-600", "Wholemeal Bread 600g", ("85.00", "92.00", "105.00"), "62.00", _WHOLEMEAL, "0.6",
           "PK-BAG-600"),
    _bread("BRD-MILK-400", "Milk Bread 400g", ("64.00", "70.00", "80.00"), "48.00", _MILK, "0.4", "PK-BAG-400"),
    _bread("BRD-TOAST-400", "Butter Toast Bread 400g", ("68.00", "75.00", "85.00"), "52.00", _TOAST, "0.4",
           "PK-BAG-400"),
    _bread("BRD-SANDWICH-1000", "Sandwich Loaf 1kg", ("125.00", "135.00", "150.00"), "90.00", _WHITE, "1.0",
           "PK-BAG-1500"),
    _good("BUN-PLAIN-6", "Plain Buns 6-pack", "Buns", ("50.00", "55.00", "62.00"), "35.00", 4,
          ("RM-FLOUR", "0.220"), ("RM-SUGAR", "0.025"), ("RM-SALT", "0.003"), ("RM-YEAST", "0.004"),
          ("RM-VEG-FAT", "0.012"), ("RM-PRESERVATIVE", "0.001"), ("PK-BAG-BUN", "1")),
    _good("BUN-SWEET-6", "Sweet Buns 6-pack", "Buns", ("62.00", "68.00", "78.00"), "48.00", 4,
          ("RM-FLOUR", "0.220"), ("RM-SUGAR", "0.040"), ("RM-SALT", "0.002"), ("RM-YEAST", "0.004"),
          ("RM-MARGARINE", "0.020"), ("RM-MILK-POWDER", "0.008"), ("RM-PRESERVATIVE", "0.001"), ("PK-BAG-BUN", "1")),
    _good("BUN-BURGER-4", "Burger Buns 4-pack", "Buns", ("70.00", "77.00", "88.00"), "52.00", 4,
          ("RM-FLOUR", "0.200"), ("RM-SUGAR", "0.016"), ("RM-SALT", "0.004"), ("RM-YEAST", "0.004"),
          ("RM-VEG-FAT", "0.014"), ("RM-EGGS", "1"), ("RM-IMPROVER", "0.001"), ("PK-BAG-BUN", "1")),
    _good("BUN-HOTDOG-6", "Hot Dog Rolls 6-pack", "Buns", ("56.00", "62.00", "70.00"), "41.00", 4,
          ("RM-FLOUR", "0.260"), ("RM-SUGAR", "0.018"), ("RM-SALT", "0.005"), ("RM-YEAST", "0.005"),
          ("RM-VEG-FAT", "0.016"), ("RM-IMPROVER", "0.001"), ("PK-BAG-BUN", "1")),
    _good("BUN-DINNER-12", "Dinner Rolls 12-pack", "Buns", ("90.00", "98.00", "110.00"), "65.00", 4,
          ("RM-FLOUR", "0.360"), ("RM-SUGAR", "0.030"), ("RM-SALT", "0.006"), ("RM-YEAST", "0.007"),
          ("RM-MARGARINE", "0.030"), ("RM-MILK-POWDER", "0.012"), ("PK-BAG-BUN", "1")),
    _good("SNK-SCONES-4", "Scones 4-pack", "Scones and snacks", ("90.00", "98.00", "110.00"), "68.00", 7,
          ("RM-FLOUR", "0.160"), ("RM-SUGAR", "0.025"), ("RM-MARGARINE", "0.040"), ("RM-BAKING-POWDER", "0.008"),
          ("RM-MILK-POWDER", "0.010"), ("RM-EGGS", "1"), ("RM-SALT", "0.001"), ("PK-POUCH", "1")),
    _good("SNK-RAISIN-SCONES-4", "Raisin Scones 4-pack", "Scones and snacks", ("120.00", "130.00", "145.00"), "92.00",
          7, ("RM-FLOUR", "0.150"), ("RM-SUGAR", "0.028"), ("RM-MARGARINE", "0.040"), ("RM-BAKING-POWDER", "0.008"),
          ("RM-MILK-POWDER", "0.010"), ("RM-EGGS", "1"), ("RM-RAISINS", "0.030"), ("PK-POUCH", "1")),
    _good("SNK-DOUGHNUTS-4", "Sugar Doughnuts 4-pack", "Scones and snacks", ("85.00", "93.00", "105.00"), "63.00", 3,
          ("RM-FLOUR", "0.140"), ("RM-SUGAR", "0.030"), ("RM-YEAST", "0.003"), ("RM-EGGS", "1"),
          ("RM-MILK-POWDER", "0.008"), ("RM-MARGARINE", "0.012"), ("RM-OIL", "0.030"), ("PK-POUCH", "1")),
    _good("SNK-MANDAZI-10", "Mandazi 10-pack", "Scones and snacks", ("85.00", "93.00", "105.00"), "62.00", 3,
          ("RM-FLOUR", "0.250"), ("RM-SUGAR", "0.035"), ("RM-BAKING-POWDER", "0.006"), ("RM-MILK-POWDER", "0.010"),
          ("RM-OIL", "0.060"), ("PK-POUCH", "1")),
    _good("SNK-CHAPATI-5", "Chapati 5-pack", "Scones and snacks", ("58.00", "64.00", "75.00"), "42.00", 3,
          ("RM-FLOUR", "0.280"), ("RM-SALT", "0.003"), ("RM-SUGAR", "0.005"), ("RM-OIL", "0.035"),
          ("PK-BAG-BUN", "1")),
    _good("CKE-QUEEN-6", "Queen Cakes 6-pack", "Cakes", ("130.00", "142.00", "160.00"), "98.00", 10,
          ("RM-FLOUR", "0.070"), ("RM-SUGAR", "0.065"), ("RM-MARGARINE", "0.060"), ("RM-EGGS", "2"),
          ("RM-BAKING-POWDER", "0.003"), ("RM-VANILLA", "0.002"), ("PK-PAPER-CUP", "6"), ("PK-CAKE-TRAY", "1")),
    _good("CKE-VANILLA-500", "Vanilla Sponge Cake 500g", "Cakes", ("230.00", "252.00", "285.00"), "175.00", 14,
          ("RM-FLOUR", "0.150"), ("RM-SUGAR", "0.150"), ("RM-MARGARINE", "0.120"), ("RM-EGGS", "3"),
          ("RM-BAKING-POWDER", "0.005"), ("RM-VANILLA", "0.003"), ("RM-MILK-POWDER", "0.010"),
          ("PK-CAKE-BOX", "1")),
    _good("CKE-CHOCOLATE-500", "Chocolate Cake 500g", "Cakes", ("260.00", "285.00", "320.00"), "198.00", 14,
          ("RM-FLOUR", "0.130"), ("RM-SUGAR", "0.150"), ("RM-MARGARINE", "0.120"), ("RM-EGGS", "3"),
          ("RM-COCOA", "0.030"), ("RM-BAKING-POWDER", "0.005"), ("RM-MILK-POWDER", "0.010"), ("PK-CAKE-BOX", "1")),
    _good("CKE-MARBLE-400", "Marble Cake 400g", "Cakes", ("190.00", "208.00", "235.00"), "145.00", 14,
          ("RM-FLOUR", "0.120"), ("RM-SUGAR", "0.120"), ("RM-MARGARINE", "0.100"), ("RM-EGGS", "2"),
          ("RM-COCOA", "0.010"), ("RM-BAKING-POWDER", "0.004"), ("RM-VANILLA", "0.002"), ("PK-CAKE-BOX", "1")),
    _good("CKE-FRUIT-1000", "Fruit Cake 1kg", "Cakes", ("720.00", "790.00", "890.00"), "540.00", 60,
          ("RM-FLOUR", "0.220"), ("RM-SUGAR", "0.180"), ("RM-MARGARINE", "0.180"), ("RM-EGGS", "4"),
          ("RM-MIXED-FRUIT", "0.250"), ("RM-RAISINS", "0.100"), ("RM-BAKING-POWDER", "0.004"),
          ("RM-VANILLA", "0.003"), ("PK-CAKE-BOX", "1")),
)


def material_cost(good: FinishedGood) -> Decimal:
    """What one unit's materials cost at their standard costs."""
    costs = {m.sku: Decimal(m.cost) for m in MATERIALS}
    return sum((costs[sku] * Decimal(qty) for sku, qty in good.recipe), Decimal(0))


def ensure_catalogue() -> tuple[tuple[int, int], tuple[int, int]]:
    """Add missing products (by SKU), then the recipe of every demo finished good that has none yet (an edited
    recipe is left alone), through the product services. Returns ((products created, present), (recipes set,
    present))."""
    existing = {p.sku: p.id for p in list_products(SYSTEM, include_inactive=True) if p.id is not None}
    created = present = recipes = 0
    for material in MATERIALS:
        if material.sku in existing:
            present += 1
            continue
        create_product(SYSTEM, sku=material.sku, name=material.name, kind=material.kind, category=material.category,
                       unit=material.unit, standard_cost=material.cost, reorder_level=material.reorder_level)
        created += 1
    for good in FINISHED:
        product_id = existing.get(good.sku)
        if product_id is None:
            distributor, retailer, retail = good.prices
            product_id = create_product(
                SYSTEM, sku=good.sku, name=good.name, kind=ProductKind.FINISHED, category=good.category,
                unit=good.unit, price_distributor=distributor, price_retailer=retailer, price_retail=retail,
                standard_cost=good.cost, shelf_life_days=good.shelf_life_days, reorder_level=good.reorder_level,
            ).id
            created += 1
        else:
            present += 1
        assert product_id is not None
        if not get_recipe(SYSTEM, product_id=product_id):
            set_recipe(SYSTEM, product_id=product_id,
                       lines=[{"material": sku, "qty_per_unit": qty} for sku, qty in good.recipe])
            recipes += 1
    return (created, present), (recipes, len(FINISHED) - recipes)

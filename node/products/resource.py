"""The product catalogue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from node.auth.permissions import Perm
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.products.models import Product, ProductType


class ProductIn(StrictInput):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    type: ProductType
    monthly_price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class ProductOut(ReplicatedRead):
    code: str
    name: str
    type: str
    monthly_price: Decimal


class ProductResource(Resource[Product]):
    path = "products"
    entity = "product"
    model = Product
    create_schema = ProductIn
    update_schema = partial(ProductIn, "ProductPatch")
    read_schema = ProductOut
    read_perm = Perm.products_read
    write_perm = Perm.products_write
    filter_fields: ClassVar[dict[str, Any]] = {"type": ProductType, "code": str}
    order_fields = ("created_at", "code", "name", "monthly_price")

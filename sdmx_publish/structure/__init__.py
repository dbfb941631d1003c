"""SDMX structures: the light model, reading SDMX-ML structure messages, building our own DSDs."""

from .model import Attribute, Code, Codelist, ContentConstraint, Dataflow, DataStructure, Dimension, Flow, Ref
from .read import Registry, load_registry

__all__ = ["Attribute", "Code", "Codelist", "ContentConstraint", "DataStructure", "Dataflow",
           "Dimension", "Flow", "Ref", "Registry", "load_registry"]

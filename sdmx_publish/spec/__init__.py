"""Source specs: the model of a national table's YAML spec and its loader, which checks every block.

The spec is the contract every stage reads (extract, transform, validate, the DAG factory); this
package imports none of them except the rule catalogue it checks the ``validation`` block against and
the structures whose codelists its codes are checked against (:mod:`.codes`, once the dataflow is known).
"""

from .load import load_spec, load_yaml_model
from .model import Spec

__all__ = ["Spec", "load_spec", "load_yaml_model"]

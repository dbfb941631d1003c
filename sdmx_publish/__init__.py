"""sdmx-publish: national crime and criminal justice tables to validated, versioned SDMX releases.

Data flows one way: ``extract -> transform -> validate -> publish -> serve``. The CLI, the
Airflow DAGs and the web service all call the functions of these subpackages.
"""

__version__ = "0.1.0"

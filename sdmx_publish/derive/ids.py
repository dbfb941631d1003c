"""The ids and default of the regional derivation, in a module without pandas: the DAG processor
reads them when it parses the DAG file."""

#: the part the regional derivation publishes, the dataflow it reads and the one it writes
PART = "derived_iccs_sdg"
ICCS_FLOW, SDG_FLOW = "DF_ICCS", "DF_SDG_16_CRIME"
#: minimum share of a region's population with data for a regional aggregate
DEFAULT_THRESHOLD = 0.5
#: minimum number of countries with data for a regional aggregate (all members of a smaller region)
DEFAULT_MIN_COUNTRIES = 3

# Reference estimates from R's survey package (Lumley) for tests/survey/test_estimates.py (Taylor designs;
# replicate weights: replicates.R).
#
# Regenerate (Debian: apt-get install -y r-cran-survey r-cran-haven; the ENUSC file is not shipped):
#   SDMX_PUBLISH_REFERENCE_DIR=/path/to/reference Rscript tests/survey/reference/reference.R
# writes tests/survey/reference/*.csv next to this script. Every share is a ratio of weighted totals
# over the whole design (svyratio of indicator variables = svymean on subset(design, ...)), with PSUs
# nested in strata; the design effect is svymean(..., deff = TRUE) on the subset design (Kish, SRSWOR).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
ref_dir <- Sys.getenv("SDMX_PUBLISH_REFERENCE_DIR", file.path(here, "..", "..", "..", "..", "shared", "reference"))

share <- function(des, num, den, cell, dataset, id, breakdown) {
  out <- NULL
  for (c in sort(unique(cell[den == 1]))) {
    d <- as.numeric(den == 1 & cell == c)
    y <- as.numeric(num == 1) * d
    des2 <- update(des, .y = y, .d = d)
    r <- svyratio(~.y, ~.d, des2)
    sub <- subset(des2, .d == 1)
    m <- svymean(~.y, sub, deff = TRUE)
    out <- rbind(out, data.frame(dataset = dataset, estimate_id = id, breakdown = breakdown, cell = c,
                                 estimate = sprintf("%.15g", coef(r)[1]), se = sprintf("%.15g", SE(r)[1]),
                                 mean = sprintf("%.15g", coef(m)[1]), deff = sprintf("%.15g", deff(m)[1]),
                                 n = sum(d == 1), N = sprintf("%.15g", sum(weights(des)[d == 1]))))
  }
  out
}

# 1. a small made-up design with a single-PSU stratum (stratum 3), R's lonely.psu = "certainty"
toy <- read.csv(file.path(here, "..", "data", "toy_design.csv"))
options(survey.lonely.psu = "certainty")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = toy, nest = TRUE)
res <- rbind(share(des, toy$answer %in% c(3, 4), toy$answer %in% 1:4, rep("_T", nrow(toy)), "toy", "safe", "total"),
             share(des, toy$answer %in% c(3, 4), toy$answer %in% 1:4, as.character(toy$sex), "toy", "safe", "sex"))
options(survey.lonely.psu = "fail")

# 2. US NCVS 2021 (shipped in surveys/us_ncvs_2021): violent victimisations reported to the police
load(file.path(here, "..", "..", "..", "surveys", "us_ncvs_2021", "ncvs_2021_incident.rda"))
load(file.path(here, "..", "..", "..", "surveys", "us_ncvs_2021", "ncvs_2021_household.rda"))
hh <- unique(ncvs_2021_household[, c("YEARQ", "IDHH", "V2117", "V2118")])
inc <- merge(ncvs_2021_incident, hh, by = c("YEARQ", "IDHH"), all.x = TRUE, sort = FALSE)
code <- function(v) as.character(v)
den <- code(inc$V4529) %in% as.character(c(1:15, 17:20)) & code(inc$V4022) != "1" & code(inc$V4399) %in% c("1", "2", "3")
num <- code(inc$V4399) == "1"
options(survey.lonely.psu = "certainty")  # pseudo-stratum 81 has incidents from one half-sample only
des <- svydesign(ids = ~V2118, strata = ~V2117, weights = ~WGTVICCY, data = inc, nest = TRUE)
res <- rbind(res, share(des, num, den, rep("_T", nrow(inc)), "ncvs", "violent_reported", "total"))
options(survey.lonely.psu = "fail")

# 3. Chile ENUSC 2024 (not shipped): 16.1.4 and vp_dv, total, by sex and by region
enusc_file <- file.path(ref_dir, "surveys", "cl_enusc_2024", "enusc_1_select_desc.RDS")
if (file.exists(enusc_file)) {
  e <- readRDS(enusc_file)
  v <- as.numeric(e$emper_p_inseg_oscuro_1)
  des <- svydesign(ids = ~conglomerado, strata = ~var_strat, weights = ~fact_pers_reg, data = e, nest = TRUE)
  sex <- as.character(as.numeric(e$rph_sexo))
  region <- as.character(e$enc_region)
  dv <- as.numeric(e$vp_dv)
  for (b in list(list("total", rep("_T", nrow(e))), list("sex", sex), list("region", region))) {
    res <- rbind(res, share(des, v %in% c(3, 4), v %in% 1:4, b[[2]], "enusc", "safe_after_dark", b[[1]]),
                 share(des, dv == 1, dv %in% c(0, 1), b[[2]], "enusc", "violent_victimisation", b[[1]]))
  }
}
write.csv(res, file.path(here, "r_survey_estimates.csv"), row.names = FALSE)
cat(sprintf("%d reference estimates written with survey %s\n", nrow(res), packageVersion("survey")))

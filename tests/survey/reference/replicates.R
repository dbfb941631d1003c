# Replicate-weight designs built from the real NCVS 2021 design, and R survey's estimates on them, for
# tests/survey/test_replicates.py.
#
# Regenerate (Debian: apt-get install -y r-cran-survey):
#   Rscript tests/survey/reference/replicates.R
# 1. The incident file gets its household's pseudo-stratum V2117, half-sample V2118 and urbanicity V2143 (as
#    in surveys/us_ncvs_2021/violent_reported.yaml). From that Taylor design (PSUs nested in strata, the
#    single-PSU pseudo-stratum 81 as "certainty") R's as.svrepdesign derives replicate factors of four kinds:
#    JKn (delete-one-PSU jackknife within strata), BRR and Fay (rho 0.5) on a Hadamard matrix (the single-PSU
#    stratum split, the 3-PSU strata merged to two half-samples: brrweights small = "split", large = "merge"),
#    and Canty-Davison bootstrap (50 replicates, seed 20261201).
# 2. The rows of violent victimisations in the US (type-of-crime V4529 1-15, 17-20; V4022 not 1) with those
#    factors are written to ../data/ncvs_2021_violent_replicates.rds (xz), and each kind's scale and
#    rscales to ../data/ncvs_2021_replicate_scales.csv. The factors multiply WGTVICCY
#    (svrepdesign combined.weights = FALSE). No value is made up: rows and weights are the NCVS's, the
#    factors are R's.
# 3. svrepdesign on that file, as a user of the file would declare it, gives the reference shares
#    (reported to the police, V4399 1 over 1-3) in r_replicate_estimates.csv: total and by urbanicity,
#    for each kind with mse FALSE and TRUE. estimate/se from svyratio, deff from svymean(deff = TRUE) on the
#    domain subset, n and N of the domain.
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
ncvs <- file.path(here, "..", "..", "..", "surveys", "us_ncvs_2021")
data_dir <- file.path(here, "..", "data")

load(file.path(ncvs, "ncvs_2021_incident.rda"))
load(file.path(ncvs, "ncvs_2021_household.rda"))
hh <- unique(ncvs_2021_household[, c("YEARQ", "IDHH", "V2117", "V2118", "V2143")])
inc <- merge(ncvs_2021_incident, hh, by = c("YEARQ", "IDHH"), all.x = TRUE, sort = TRUE)
options(survey.lonely.psu = "certainty")
des <- svydesign(ids = ~V2118, strata = ~V2117, weights = ~WGTVICCY, data = inc, nest = TRUE)
set.seed(20261201)
kinds <- list(
  jkn = as.svrepdesign(des, type = "JKn", compress = FALSE),
  brr = as.svrepdesign(des, type = "BRR", compress = FALSE, small = "split", large = "merge"),
  fay = as.svrepdesign(des, type = "Fay", fay.rho = 0.5, compress = FALSE, small = "split", large = "merge"),
  boot = as.svrepdesign(des, type = "bootstrap", replicates = 50, compress = FALSE))
options(survey.lonely.psu = "fail")

code <- function(v) as.character(v)
keep <- code(inc$V4529) %in% as.character(c(1:15, 17:20)) & code(inc$V4022) != "1"
fixture <- data.frame(YEARQ = inc$YEARQ, IDHH = inc$IDHH, V4529 = code(inc$V4529), V4022 = code(inc$V4022),
                      V4399 = code(inc$V4399), V2117 = inc$V2117, V2118 = inc$V2118, V2143 = code(inc$V2143),
                      WGTVICCY = inc$WGTVICCY, stringsAsFactors = FALSE)[keep, ]
scales <- NULL
for (k in names(kinds)) {
  rw <- as.matrix(kinds[[k]]$repweights)[keep, ]
  colnames(rw) <- sprintf("%s_%d", k, seq_len(ncol(rw)))
  fixture <- cbind(fixture, rw)
  scales <- rbind(scales, data.frame(kind = k, type = kinds[[k]]$type, replicate = seq_len(ncol(rw)),
                                     scale = sprintf("%.15g", kinds[[k]]$scale),
                                     rscale = sprintf("%.15g", rep_len(kinds[[k]]$rscales, ncol(rw)))))
}
rownames(fixture) <- NULL
saveRDS(fixture, file.path(data_dir, "ncvs_2021_violent_replicates.rds"), compress = "xz")
write.csv(scales, file.path(data_dir, "ncvs_2021_replicate_scales.csv"), row.names = FALSE)

fixture <- readRDS(file.path(data_dir, "ncvs_2021_violent_replicates.rds"))
den <- fixture$V4399 %in% c("1", "2", "3")
num <- fixture$V4399 == "1"
res <- NULL
for (k in names(kinds)) {
  s <- scales[scales$kind == k, ]
  type <- c(jkn = "JKn", brr = "BRR", fay = "Fay", boot = "bootstrap")[[k]]
  for (mse in c(FALSE, TRUE)) {
    rep <- svrepdesign(data = fixture, repweights = paste0("^", k, "_[0-9]+$"), weights = ~WGTVICCY, type = type,
                       combined.weights = FALSE, rho = if (k == "fay") 0.5 else NULL,
                       scale = if (k %in% c("jkn", "boot")) as.numeric(s$scale[1]) else NULL,
                       rscales = if (k == "jkn") as.numeric(s$rscale) else NULL, mse = mse)
    for (b in list(list("total", rep("_T", nrow(fixture))), list("urbanicity", fixture$V2143))) {
      for (c in sort(unique(b[[2]][den]))) {
        d <- as.numeric(den & b[[2]] == c)
        y <- as.numeric(num) * d
        rep2 <- update(rep, .y = y, .d = d)
        r <- svyratio(~.y, ~.d, rep2)
        m <- svymean(~.y, subset(rep2, .d == 1), deff = TRUE)
        res <- rbind(res, data.frame(kind = k, mse = mse, breakdown = b[[1]], cell = c,
                                     estimate = sprintf("%.15g", coef(r)[1]), se = sprintf("%.15g", SE(r)[1]),
                                     deff = sprintf("%.15g", deff(m)[1]), n = sum(d == 1),
                                     N = sprintf("%.15g", sum(fixture$WGTVICCY[d == 1]))))
      }
    }
  }
}
write.csv(res, file.path(here, "r_replicate_estimates.csv"), row.names = FALSE)
cat(sprintf("%d rows, %d reference estimates written with survey %s\n", nrow(fixture), nrow(res),
            packageVersion("survey")))

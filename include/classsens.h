/**
 * @file classsens.h
 * @brief Umbrella header of libclasssens: include this one header.
 *
 * libclasssens measures which classes of an image data set are sensitive to label noise and
 * to having less training data, and whether that sensitivity depends on the model.
 * See the README and docs/ for the protocol; each module has its own header:
 * - classsens/common.h — status codes, errors, version;
 * - classsens/dataset.h — data sets, views, batches;
 * - classsens/perturb.h — label noise and data reduction, with their reports;
 * - classsens/confusion.h — confusion matrices and what they show;
 * - classsens/analysis.h — replicate statistics, weakest classes, cross-model agreement;
 * - classsens/model.h — the architectures, training, prediction, checkpoints;
 * - classsens/records.h — per-record training scores (confidence, variability, AUM);
 * - classsens/study.h — studies: cells run in parallel into a resumable store, read back;
 * - classsens/report.h — HTML report, SVG figures, CSV and JSON from a store.
 */
#ifndef CLASSSENS_H
#define CLASSSENS_H

#include <classsens/version.h>
#include <classsens/common.h>
#include <classsens/dataset.h>
#include <classsens/perturb.h>
#include <classsens/confusion.h>
#include <classsens/analysis.h>
#include <classsens/model.h>
#include <classsens/study.h>
#include <classsens/report.h>
#include <classsens/records.h>

#endif /* CLASSSENS_H */

# BSN step 2 of 3, proposal generation on SynthANet: `reelkit bsn-proposals` this file, after
# `reelkit test` on bsn_tem_1xb16-32x32-20e_synth-anet-feature.py has written the TEM csv files.
# MMAction2's bsn_pgm_400x100_activitynet-feature with temporal_scale 32 instead of 100; a
# 32-snippet video has at most 32 * 31 / 2 = 496 candidates, so top_k 500 keeps them all.
# The *_thread and temporal_scale keys are MMAction2's; `reelkit bsn-proposals --workers` sets
# the processes.
ann_file_train = 'data/synth_anet/anet_anno_train.json'
ann_file_val = 'data/synth_anet/anet_anno_val.json'

work_dir = 'work_dirs/bsn_32x32_synth-anet-feature/'
tem_results_dir = f'{work_dir}/tem_results/'
pgm_proposals_dir = f'{work_dir}/pgm_proposals/'
pgm_features_dir = f'{work_dir}/pgm_features/'

temporal_scale = 32
pgm_proposals_cfg = dict(
    pgm_proposals_thread=2, temporal_scale=temporal_scale, peak_threshold=0.5)
pgm_features_test_cfg = dict(
    pgm_features_thread=2,
    top_k=500,
    num_sample_start=8,
    num_sample_end=8,
    num_sample_action=16,
    num_sample_interp=3,
    bsp_boundary_ratio=0.2)
pgm_features_train_cfg = dict(
    pgm_features_thread=2,
    top_k=500,
    num_sample_start=8,
    num_sample_end=8,
    num_sample_action=16,
    num_sample_interp=3,
    bsp_boundary_ratio=0.2)

_base_ = [
    '_base_/models/tsn_r50.py', '_base_/tsn_rawframes_k400.py',
    '_base_/default_runtime.py'
]
optimizer = dict(type='AdamW', lr=0.0004, weight_decay=0.05)
optimizer_config = dict(grad_clip=dict(max_norm=1.0))
# one cycle over the whole run, counted in iterations
lr_config = dict(
    policy='OneCycle',
    max_lr=0.004,
    total_steps=50000,
    pct_start=0.25,
    div_factor=10,
    final_div_factor=100)
total_epochs = 20

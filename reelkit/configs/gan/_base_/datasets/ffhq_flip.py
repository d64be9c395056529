# FFHQ (or any folder of same-sized images) at its own resolution with random horizontal flips
# in training, as MMGeneration 1.x's ffhq_flip: the loaders of unconditional_imgs_64x64.py
# without its resizing, 8 workers, batch 4. Configs set data_root.
_base_ = ['./unconditional_imgs_64x64.py']

val_pipeline = [_base_.train_pipeline[0], _base_.train_pipeline[-1]]
train_pipeline = [val_pipeline[0], dict(type='Flip', keys=['img'], direction='horizontal'),
                  val_pipeline[-1]]

train_dataloader = dict(batch_size=4, num_workers=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, num_workers=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (DIY FaceApp)
#     language: python
#     name: diy-faceapp
# ---

# %% [markdown]
# # DIY FaceApp: the workbook
#
# From a single neuron to a face-verification app. Open the notebooks in this order; each one runs top to bottom in a fresh kernel (Kernel > Restart Kernel and Run All Cells).
#
# **Learner mode.** A notebook marked *write it yourself* has an exercise twin under `exercises/` (`make lab` writes the twins the first time; `make exercises FORCE=1` starts them afresh). There the from-scratch functions are left for you to write, and a check under each one compares your function with the workbook's and tells you what is wrong first.
#
#
# ## Course 1: Neural networks and deep learning
#
# 1. [What is a neural network?](course1_nn/w1_neural_networks.ipynb): A neuron is ReLU(w x + b): fit one to house prices, stack neurons into a network that bends, and measure why deep learning took off: accuracy against training-set size for logistic regression, a small and a large network. ([write it yourself](exercises/course1_nn/w1_neural_networks.ipynb))
# 1. [Logistic regression as a neural network](course1_nn/w2_logistic_regression.ipynb): The FaceApp's first classifier: one sigmoid neuron that tells faces from non-faces, trained by gradient descent drawn on its cost surface, and why vectorized code beats loops. ([write it yourself](exercises/course1_nn/w2_logistic_regression.ipynb))
# 1. [One hidden layer: planar data classification](course1_nn/w3_shallow_network.ipynb): Logistic regression draws one straight line through the course's "flower" and fails; a hidden layer of four tanh units bends it and succeeds: activations, their derivatives, and why linear layers and zero initialization fail. ([write it yourself](exercises/course1_nn/w3_shallow_network.ipynb))
# 1. [Deep neural network: L layers, step by step](course1_nn/w4_deep_network.ipynb): Forward and backward through any number of layers with caches, then a task where depth measurably wins (logistic < shallow < deep on held-out data), the hyperparameters that control it, and the same network in Keras. ([write it yourself](exercises/course1_nn/w4_deep_network.ipynb))
#
# ## Course 2: Improving deep neural networks (tuning, regularization, optimization)
#
# 1. [Setting up: data splits, bias and variance, initialization](course2_tuning/w1_1_setup_and_initialization.ipynb): Train/dev/test splits, bias vs variance read off two error rates (a widget over model and data size), and why zeros, huge or He initial weights decide whether a network learns at all. ([write it yourself](exercises/course2_tuning/w1_1_setup_and_initialization.ipynb))
# 1. [Regularization: L2 and inverted dropout](course2_tuning/w1_2_regularization.ipynb): A network that memorizes 120 noisy points, then the two cures of Course 2: an L2 penalty on the weights and inverted dropout, with decision boundaries, train/test accuracy and a widget over lambda and keep_prob. ([write it yourself](exercises/course2_tuning/w1_2_regularization.ipynb))
# 1. [Gradient checking](course2_tuning/w1_3_gradient_checking.ipynb): Two-sided differences in one and N dimensions verify backprop: a correct backward scores below 2e-7, a planted bug scores orders of magnitude higher, and dropout makes the check meaningless. ([write it yourself](exercises/course2_tuning/w1_3_gradient_checking.ipynb))
# 1. [Optimization: mini-batches, momentum, RMSprop, Adam, learning-rate decay](course2_tuning/w2_optimization.ipynb): Mini-batches and their noise, exponentially weighted averages, an optimizer race on ravine, saddle and Rosenbrock surfaces, and the course's moons table (GD, momentum, Adam, with and without decay) reproduced. ([write it yourself](exercises/course2_tuning/w2_optimization.ipynb))
# 1. [Tuning, batch normalization, softmax and TensorFlow](course2_tuning/w3_tuning_batchnorm_tensorflow.ipynb): Random search beats grid search on a real tuning run; batch norm from scratch (checked against Keras) trains a deep net faster; softmax regression on digits; and a numpy network, its TensorFlow GradientTape twin and Keras tracing the same loss curve. ([write it yourself](exercises/course2_tuning/w3_tuning_batchnorm_tensorflow.ipynb))
#
# ## Course 3: Structuring machine learning projects
#
# 1. [Orthogonalization: one knob per goal](course3_strategy/01_orthogonalization.ipynb): Turn each of the course's tuning knobs on a real network and measure which goal it moves: most move one, early stopping moves two. ([write it yourself](exercises/course3_strategy/01_orthogonalization.ipynb))
# 1. [A single-number evaluation metric](course3_strategy/02_single_number_metric.ipynb): Precision, recall and F1 from a confusion matrix you compute yourself, the course's A-vs-B decision, then real face classifiers and an error averaged over regions. ([write it yourself](exercises/course3_strategy/02_single_number_metric.ipynb))
# 1. [Satisficing and optimizing metrics](course3_strategy/03_satisficing_optimizing.ipynb): Maximize accuracy subject to a latency budget: the course's A/B/C example, then real digit classifiers whose per-image latency you measure, with a slider over the budget. ([write it yourself](exercises/course3_strategy/03_satisficing_optimizing.ipynb))
# 1. [Train/dev/test distributions: the 8-regions experiment](course3_strategy/04_train_dev_test_distributions.ipynb): Simulate data from 8 regions, select models on a dev set, and measure how well the dev ranking predicts the test ranking for a by-region split and a shuffled split; then size the dev and test sets. ([write it yourself](exercises/course3_strategy/04_train_dev_test_distributions.ipynb))
# 1. [Bias, variance and human-level performance](course3_strategy/05_bias_variance_human_level.ipynb): A task whose Bayes error you set yourself (label noise), errors read as avoidable bias and variance, and the course's knobs for each, with a slider over noise level and network size. ([write it yourself](exercises/course3_strategy/05_bias_variance_human_level.ipynb))
# 1. [Error analysis and mismatched data](course3_strategy/06_error_analysis_mismatched_data.ipynb): Count a face classifier's mistakes by measurable causes and compute the ceiling of each fix; measure how much mislabeled training examples hurt; tell variance from data mismatch with a train-dev set. ([write it yourself](exercises/course3_strategy/06_error_analysis_mismatched_data.ipynb))
# 1. [Transfer, multi-task and end-to-end learning](course3_strategy/07_transfer_multitask_end_to_end.ipynb): Pre-train on one digit task and fine-tune on a small second one against training from scratch (learning curves), a multi-task network with several sigmoid outputs, and a small end-to-end vs pipeline comparison. ([write it yourself](exercises/course3_strategy/07_transfer_multitask_end_to_end.ipynb))
#
# ## Course 4: Convolutional neural networks
#
# 1. [Why convolutions](course4_cnn/w1_1_why_convolutions.ipynb): A fully connected first layer on a real photo needs billions of weights; a convolution needs hundreds: counted by code, drawn, and checked against Keras. ([write it yourself](exercises/course4_cnn/w1_1_why_convolutions.ipynb))
# 1. [Convolution step by step](course4_cnn/w1_2_convolution_step_by_step.ipynb): Zero padding, one convolution step, the forward pass with stride and padding, max and average pooling, and both backward passes in numpy: checked against TensorFlow and numerical gradients, and timed naive vs vectorized. ([write it yourself](exercises/course4_cnn/w1_2_convolution_step_by_step.ipynb))
# 1. [A first CNN in Keras](course4_cnn/w1_3_first_cnn_keras.ipynb): CONV -> POOL -> CONV -> POOL -> softmax in Keras, trained on real faces vs non-faces through the workbook's device-aware training helper, with its training curves, learned filters and feature maps. ([write it yourself](exercises/course4_cnn/w1_3_first_cnn_keras.ipynb))
# 1. [Classic networks: LeNet-5, AlexNet, VGG-16](course4_cnn/w2_1_classic_networks.ipynb): LeNet-5, AlexNet and VGG-16 built in Keras, their parameters counted layer by layer and compared with the papers, LeNet-5 trained on real digits, and VGG-16's cost measured on this machine. ([write it yourself](exercises/course4_cnn/w2_1_classic_networks.ipynb))
# 1. [ResNets: skip connections make depth trainable](course4_cnn/w2_2_resnets.ipynb): The identity and convolutional blocks built in Keras, a plain deep network against a residual one of the same depth and parameters (the plain one does not train), and a small ResNet trained on real digits. ([write it yourself](exercises/course4_cnn/w2_2_resnets.ipynb))
# 1. [1x1 convolutions, Inception, and transfer learning](course4_cnn/w2_3_inception_and_transfer.ipynb): What a 1x1 convolution computes, the multiply count a 1x1 bottleneck saves (computed), an Inception module built and run, and transfer learning demonstrated offline: pre-train on some digits, fine-tune on others with five examples per class. ([write it yourself](exercises/course4_cnn/w2_3_inception_and_transfer.ipynb))
# 1. [Localization and sliding windows](course4_cnn/w3_1_localization_sliding_windows.ipynb): The label vector (p_c, b_x, b_y, b_h, b_w, c) and its "don't care" loss; sliding windows vs the convolutional implementation (identical outputs, measured cost); a face detector that works on photos it never saw: a train / dev / eval split, an image pyramid, error analysis and hard-negative mining, a calibrated threshold, beside OpenCV's LBP cascade. ([write it yourself](exercises/course4_cnn/w3_1_localization_sliding_windows.ipynb))
# 1. [YOLO: grid cells, anchors, IoU and non-max suppression](course4_cnn/w3_2_yolo.ipynb): The midpoint rule on an S x S grid (a widget), IoU, non-max suppression checked against TensorFlow, anchor boxes, the (S, S, B, 5 + C) output, and a small YOLO-style detector trained on generated scenes, scored by mAP@0.5. ([write it yourself](exercises/course4_cnn/w3_2_yolo.ipynb))
# 1. [Face verification with the triplet loss](course4_cnn/w4_1_face_verification.ipynb): One-shot learning through a similarity d(img1, img2) = ||f(img1) − f(img2)||; the triplet loss in numpy and TensorFlow; random vs semi-hard triplets; an encoder judged on held-out people by ROC/AUC against raw pixels and eigenfaces; verify, who_is_it, a widget and the Siamese variant. ([write it yourself](exercises/course4_cnn/w4_1_face_verification.ipynb))
#
# ## PyTorch: the 60-minute blitz
#
# 1. [Tensors: numpy arrays that can run on a GPU](pytorch_blitz/01_tensors.ipynb): PyTorch's tensors, side by side with the numpy arrays of Courses 1-4: creation, dtypes, shapes, operations, in-place updates, memory shared with numpy, and the move to a GPU. ([write it yourself](exercises/pytorch_blitz/01_tensors.ipynb))
# 1. [Autograd: the backward pass you no longer write](pytorch_blitz/02_autograd.ipynb): requires_grad, the recorded graph, backward and .grad, vector-Jacobian products, no_grad and detach; then autograd's gradients of the Course 1 L-layer network equal your numpy L_model_backward to float64 precision. ([write it yourself](exercises/pytorch_blitz/02_autograd.ipynb))
# 1. [Neural networks: the blitz's CNN as an nn.Module](pytorch_blitz/03_neural_networks.ipynb): The blitz's LeNet-style network for 32x32 colour images as an nn.Module: its 62,006 parameters listed and counted, a loss, backward, one optimizer step, and PyTorch's conv2d checked against the Course 4 numpy conv_forward. ([write it yourself](exercises/pytorch_blitz/03_neural_networks.ipynb))
# 1. [Training a classifier: the blitz's CIFAR-10 recipe](pytorch_blitz/04_training_a_classifier.ipynb): Normalize, mini-batches of 4, SGD with lr 0.001 and momentum 0.9, a few epochs; then overall and per-class test accuracy, a confusion matrix and sample predictions. Real CIFAR-10 when you have downloaded it, an offline stand-in otherwise, and the notebook says which ran. ([write it yourself](exercises/pytorch_blitz/04_training_a_classifier.ipynb))
# 1. [On the GPU, and beyond one GPU: data parallelism](pytorch_blitz/05_gpu_and_data_parallel.ipynb): The same training on cuda when a GPU is present (speed measured on the machine that ran it), then data parallelism with nn.DataParallel and DistributedDataParallel, run here on one device and two CPU processes: the averaged shard gradients equal the full-batch gradient. ([write it yourself](exercises/pytorch_blitz/05_gpu_and_data_parallel.ipynb))
#
# ## Capstone: the DIY FaceApp
#
# 1. [The DIY FaceApp](faceapp/01_diy_faceapp.ipynb): The capstone: a face app in JupyterLab built only from the workbook's parts: find faces with our own sliding-window CNN (beside the LBP cascade), encode them with the triplet-loss encoder, enroll people in a saved database, recognize them at a threshold you move, and swap faces for fun. ([write it yourself](exercises/faceapp/01_diy_faceapp.ipynb))
# 1. [Face generation with a DCGAN](faceapp/02_face_generation.ipynb): The capstone's second part: a DCGAN (Keras 3, its own train_step) trained on digits, then on the LFW subset's faces; what to watch while it trains, a memorization check, an encoder-Fréchet distance against two baselines, latent interpolation and arithmetic, and FaceApp's morph between two projected faces on a slider. ([write it yourself](exercises/faceapp/02_face_generation.ipynb))
#

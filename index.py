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
#
# ## Course 1: Neural networks and deep learning
#
# 1. [Tooling probe](course1_nn/w9_tooling_probe.ipynb): A throwaway notebook to check the tooling.
#

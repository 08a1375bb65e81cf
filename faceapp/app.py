# %% [markdown]
# # The DIY FaceApp
#
# > Find the faces in a photo, name the people you enrolled, and play with look-alikes and face swaps: the workbook's own face detector and triplet-loss encoder, in a web page.
#
# **Choose** a shipped photo, or **upload** your own (JPEG or PNG, several at once; phone photos are turned upright).
# Each face the detector finds gets a number, and the name of the enrolled person it is closest to, or
# "unknown" when even the nearest is farther than the **threshold** (the distance is printed under the
# photo). To **enroll** someone, type a name, pick the face number and click Enroll; enroll several photos
# of a person to recognize them better. **Rename** or **forget** a person below. The gallery shows each face
# beside its nearest enrollments; the face swap puts them on the photo. The first start loads the models,
# step by step.

# %%
from utils.notebook import setup
setup(seed=1)

from utils.faceapp_app import FaceAppPage

FaceAppPage()

#!/usr/bin/env python3
"""The PyTorch values behind LossExtensionsReferenceTest (PyTorch 1.13, float64).

Not run by the build: the test holds the printed numbers as constants. Rerun with
    python3 backend-cpu/src/test/python/loss_constants.py
to check them against another PyTorch. The focal loss is torchvision.ops.sigmoid_focal_loss's formula.
"""
import torch, torch.nn.functional as F
torch.set_printoptions(precision=17)
def show(name, loss, x):
    x.grad=None
    loss.backward()
    print(name, repr(loss.item()), [repr(v) for v in x.grad.flatten().tolist()])
X=[[0.5,-1.2,3.0],[-0.3,2.2,-4.0]]
T=[[1,0,1],[0,0.3,1]]
W=[[1,0,2],[0.5,1,1]]
x=torch.tensor(X,dtype=torch.float64,requires_grad=True); t=torch.tensor(T,dtype=torch.float64); w=torch.tensor(W,dtype=torch.float64)
show("bce_mean_w", F.binary_cross_entropy_with_logits(x,t,weight=w), x)
show("bce_sum", F.binary_cross_entropy_with_logits(x,t,reduction='sum'), x)
def focal(x,t,alpha,gamma,red):
    p=torch.sigmoid(x); ce=F.binary_cross_entropy_with_logits(x,t,reduction='none')
    pt=p*t+(1-p)*(1-t); l=ce*((1-pt)**gamma)
    if alpha>=0: l=(alpha*t+(1-alpha)*(1-t))*l
    return l.mean() if red=='mean' else l.sum()
show("focal_025_2_mean", focal(x,t,0.25,2,'mean'), x)
show("focal_m1_05_sum", focal(x,t,-1,0.5,'sum'), x)
show("sl1_05_mean", F.smooth_l1_loss(x,t,beta=0.5), x)
show("sl1_0_sum", F.smooth_l1_loss(x,t,beta=0.0,reduction='sum'), x)
xc=torch.tensor([[1.0,2.0,0.5,-1.0],[0.3,0.2,0.1,0.0],[-2.0,1.5,3.0,0.25]],dtype=torch.float64,requires_grad=True)
tc=torch.tensor([2,-100,0])
show("ce_idx_mean", F.cross_entropy(xc,tc), xc)
print("ce_idx_none", [repr(v) for v in F.cross_entropy(xc,tc,reduction='none').tolist()])

xp=(torch.arange(24,dtype=torch.float64).reshape(2,3,2,2)*0.37%2.1-1.0).requires_grad_(True)
print("xp", xp.flatten().tolist())
tp=torch.tensor([[[0,2],[1,-100]],[[2,2],[0,1]]])
show("ce_pix_idx_mean", F.cross_entropy(xp,tp), xp)
tprob=torch.softmax(torch.arange(24,dtype=torch.float64).reshape(2,3,2,2)%5*0.5,dim=1)
print("tprob", tprob.flatten().tolist())
show("ce_pix_prob_sum", F.cross_entropy(xp,tprob,reduction='sum'), xp)
# every target ignored: the mean is nan (0 / 0), the gradient all zeros
xi=torch.tensor([[1.,2.,3.],[0.5,-1,2]],dtype=torch.float64,requires_grad=True)
show("ce_all_ignored_mean", F.cross_entropy(xi,torch.tensor([-100,-100])), xi)
